"""`kerasfix server`: the findings in the editor as you type, over the Language Server Protocol.

Built on pygls (`pip install kerasfix[server]`); nothing else imports this module, so the
command line's start-up and dependencies stay as they are. The server is a face, as cli.py
is: every finding, fix and setting comes from `project.Project` (the runner's `process_job` on an
editor's buffer, with the settings `kerasfix check FILE` reads and the index of the workspace's
classes). Analysis runs on one worker thread, never on the message loop; a document's newer
version cancels the analysis of an older one, whose result is then dropped unpublished.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from . import __version__
from .api import Finding, ParseError
from .project import FileCheck, Project
from .rules.unused_ignore import KF001

DOCS_URL = "https://kerasfix.readthedocs.io/en/latest/"  # mkdocs.yml's site_url
FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.kerasfix"
FIX_ALL_TITLE = "Fix all kerasfix findings"
RUNS = ("onType", "onSave")
SOURCE = "kerasfix"
_IGNORE = re.compile(r"#\s*kerasfix:\s*ignore\[(?P<codes>[^\]]*)\]", re.IGNORECASE)


def rule_url(code: str) -> str:
    """A rule's page on the documentation site (docs/rules/CODE.md, generated)."""
    return f"{DOCS_URL}rules/{code}/"


def debounce_seconds() -> float:
    """How long typing must pause before a document is checked (KERASFIX_SERVER_DEBOUNCE)."""
    try:
        return max(0.0, float(os.environ.get("KERASFIX_SERVER_DEBOUNCE", "0.3")))
    except ValueError:
        return 0.3


@dataclass
class Options:
    """The workspace settings, on top of `pyproject.toml` as the flags are: `select` replaces
    its `select`, `unsafeFixes` its `unsafe-fixes` (unset: the file's own), `run` says when
    to check (`onType`, debounced, or `onSave`)."""

    select: Optional[list[str]] = None
    unsafe_fixes: Optional[bool] = None
    run: str = "onType"

    @classmethod
    def read(cls, value: Any) -> "Options":
        """From a client's settings: `{"kerasfix": {...}}` or the section itself; what does
        not fit is left at its default (a client's typo must not stop the server)."""
        if isinstance(value, dict) and isinstance(value.get("kerasfix"), dict):
            value = value["kerasfix"]
        if isinstance(value, dict) and isinstance(value.get("settings"), dict):
            value = value["settings"]
        value = value if isinstance(value, dict) else {}
        select = value.get("select")
        if isinstance(select, str):
            select = [part for part in select.split(",") if part.strip()]
        unsafe = value.get("unsafeFixes")
        run = value.get("run")
        return cls(select=list(select) if isinstance(select, list) and select else None,
                   unsafe_fixes=unsafe if isinstance(unsafe, bool) else None,
                   run=run if run in RUNS else "onType")


@dataclass
class Analysis:
    """A document's findings at one version. A notebook's: `cells` are its cells' URIs in
    order (findings name their cell by its number among them, from 1)."""

    version: Optional[int]
    check: FileCheck
    cells: list[str] = field(default_factory=list)

    def findings_in(self, uri: str, is_cell: bool) -> list[Finding]:
        if not is_cell:
            return list(self.check.findings)
        return [f for f in self.check.findings if 0 < f.cell <= len(self.cells) and self.cells[f.cell - 1] == uri]


class KerasfixServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "kerasfix", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=types.NotebookDocumentSyncOptions(notebook_selector=[
                types.NotebookDocumentFilterWithCells(notebook="*", cells=[types.NotebookCellLanguage("python")])],
                save=True))
        self.options = Options()
        self.worker = ThreadPoolExecutor(1, thread_name_prefix="kerasfix")  # one: Project is not thread-safe
        self.projects: dict[str, Project] = {}
        self.analyses: dict[str, Analysis] = {}  # by document URI (a notebook's own URI)
        self.pending: dict[str, asyncio.Task] = {}
        self.indexing: Optional[asyncio.Future] = None

    # --- where a document lives -----------------------------------------------------------

    def project_for(self, path: str) -> Project:
        roots = [to_fs_path(folder.uri) or "" for folder in self.workspace.folders.values()]
        roots += [self.workspace.root_path] if self.workspace.root_path else []
        inside = [r for r in roots if r and os.path.abspath(path).startswith(os.path.abspath(r) + os.sep)]
        root = max(inside, key=len) if inside else os.path.dirname(os.path.abspath(path))
        if root not in self.projects:
            self.projects[root] = Project(root, select=self.options.select, unsafe_fixes=self.options.unsafe_fixes)
        return self.projects[root]

    def owner(self, uri: str) -> tuple[str, bool]:
        """The URI whose analysis holds `uri`'s findings (a cell's notebook), and whether `uri` is a cell."""
        notebook = self.workspace.get_notebook_document(cell_uri=uri)
        return (notebook.uri, True) if notebook is not None else (uri, False)

    def snapshot(self, uri: str) -> Optional[tuple[Optional[int], str, str, list[str]]]:
        """(version, text, path, cells) of an open document: a notebook as nbformat 4 JSON
        built from its cells (markdown ones empty, so that cells are numbered as in the file)."""
        path = to_fs_path(uri)
        if path is None or not path.endswith((".py", ".pyi", ".ipynb")):
            return None
        notebook = self.workspace.get_notebook_document(notebook_uri=uri)
        if notebook is None:
            if uri not in self.workspace.text_documents:
                return None
            document = self.workspace.get_text_document(uri)
            return document.version, document.source, path, []
        cells: list[dict] = []
        uris: list[str] = []
        for cell in notebook.cells:
            code = cell.kind == types.NotebookCellKind.Code
            source = self.workspace.get_text_document(cell.document).source if code else ""
            cells.append({"cell_type": "code" if code else "markdown", "source": source, "metadata": {},
                          **({"outputs": [], "execution_count": None} if code else {})})
            uris.append(cell.document)
        text = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells})
        return notebook.version, text, path if path.endswith(".ipynb") else path + ".ipynb", uris

    # --- analysis, off the message loop ------------------------------------------------------

    async def in_worker(self, function: Callable, *args):
        return await asyncio.get_running_loop().run_in_executor(self.worker, function, *args)

    def schedule(self, uri: str, delay: float = 0.0) -> None:
        """Check `uri` after `delay`, cancelling a check of it still waiting or running: its
        result would be for an older version."""
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.pending[uri] = asyncio.ensure_future(self._analyse(uri, delay))

    async def _analyse(self, uri: str, delay: float) -> None:
        try:
            if delay:
                await asyncio.sleep(delay)
            if self.indexing is not None:
                await asyncio.shield(self.indexing)
            seen = self.snapshot(uri)
            if seen is None:
                return
            version, text, path, cells = seen
            project = self.project_for(path)
            check, others = await self.in_worker(_check_and_update, project, text, path)
            current = self.snapshot(uri)
            if current is None or current[0] != version:
                return  # a newer version arrived while this one was checked: its own check follows
            self.analyses[uri] = Analysis(version, check, cells)
            self.publish(uri)
            if others:  # what the index knows changed: other open documents may say otherwise now
                for other in self.open_documents():
                    if other != uri:
                        self.schedule(other)
        except asyncio.CancelledError:
            pass
        finally:
            if self.pending.get(uri) is asyncio.current_task():
                del self.pending[uri]

    def open_documents(self) -> list[str]:
        cells = {c.document for nb in self.workspace.notebook_documents.values() for c in nb.cells}
        return [*self.workspace.notebook_documents, *(u for u in self.workspace.text_documents if u not in cells)]

    def publish(self, uri: str) -> None:
        analysis = self.analyses.get(uri)
        if analysis is None:
            return
        for target in analysis.cells or [uri]:
            document = self.workspace.get_text_document(target)
            found = analysis.findings_in(target, bool(analysis.cells))
            diagnostics = [diagnostic(f, document) for f in found]
            error = analysis.check.error
            if error is not None and (not analysis.cells or _cell_uri(analysis, error.cell) == target):
                diagnostics.append(error_diagnostic(error, document))
            version = document.version if analysis.cells else analysis.version
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=target, diagnostics=diagnostics, version=version))

    def clear(self, uri: str) -> None:
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        analysis = self.analyses.pop(uri, None)
        for target in (analysis.cells if analysis and analysis.cells else [uri]):
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=target, diagnostics=[]))

    def reconfigure(self, options: Options) -> None:
        """New workspace settings: new projects (indexed again), every open document checked again."""
        self.options = options
        self.projects.clear()
        self.start_indexing()
        for uri in self.open_documents():
            self.schedule(uri)

    def start_indexing(self) -> None:
        given = [to_fs_path(folder.uri) for folder in self.workspace.folders.values()] or [self.workspace.root_path]
        roots = [r for r in given if r and os.path.isdir(r)]
        projects = [self.project_for(os.path.join(root, "__init__.py")) for root in roots]
        self.indexing = asyncio.ensure_future(self.in_worker(_index_all, projects))

    def current(self, uri: str) -> tuple[Optional[Analysis], bool]:
        """The analysis holding `uri`'s findings, if it is of the version open now."""
        owner, is_cell = self.owner(uri)
        analysis = self.analyses.get(owner)
        seen = self.snapshot(owner)
        if analysis is None or seen is None or seen[0] != analysis.version:
            return None, is_cell
        return analysis, is_cell


def _check_and_update(project: Project, text: str, path: str) -> tuple[FileCheck, bool]:
    """In the worker: the check, and whether the index learned something from this text."""
    before = project.index().layer_digest()
    try:
        check = project.check(text, path)
    except ValueError as error:  # a mistake in pyproject.toml: said where the user looks
        return FileCheck([], ParseError(str(error), path=path)), False
    return check, project.index().layer_digest() != before


def _index_all(projects: list[Project]) -> None:
    for project in projects:
        try:
            project.index_all()
        except ValueError:
            pass  # a mistake in pyproject.toml: each document's check says it


def _cell_uri(analysis: Analysis, cell: int) -> Optional[str]:
    if 0 < cell <= len(analysis.cells):
        return analysis.cells[cell - 1]
    return analysis.cells[0] if analysis.cells else None


# --- LSP values -----------------------------------------------------------------------------


def lsp_position(document: TextDocument, line: int, column: int) -> types.Position:
    """A 1-based (line, column in characters) as the client counts (UTF-16 units by default)."""
    lines = document.lines
    row = max(0, line - 1)
    if row >= len(lines):
        return types.Position(line=len(lines), character=0)
    return document.position_codec.position_to_client_units(lines, types.Position(row, max(0, column - 1)))


def lsp_range(document: TextDocument, line: int, column: int, end_line: int, end_column: int) -> types.Range:
    start = lsp_position(document, line, column)
    if not end_line:  # an end unknown: to the end of the line
        text = document.lines[line - 1] if 0 < line <= len(document.lines) else ""
        end_line, end_column = line, len(text.rstrip("\r\n")) + 1
    return types.Range(start=start, end=lsp_position(document, end_line, end_column))


def diagnostic(finding: Finding, document: TextDocument) -> types.Diagnostic:
    return types.Diagnostic(
        range=lsp_range(document, finding.line, finding.column, finding.end_line, finding.end_column),
        message=finding.message, severity=types.DiagnosticSeverity.Warning, code=finding.code,
        code_description=types.CodeDescription(href=rule_url(finding.code)), source=SOURCE,
        tags=[types.DiagnosticTag.Unnecessary] if finding.code == KF001 else None,
        data={"fix": finding.fix_safety, "fixable": finding.fixable})


def error_diagnostic(error: ParseError, document: TextDocument) -> types.Diagnostic:
    line = error.line or 1
    return types.Diagnostic(range=lsp_range(document, line, 1, 0, 0), message=error.reason,
                            severity=types.DiagnosticSeverity.Error, source=SOURCE)


def same_place(finding: Finding, wanted: types.Range, document: TextDocument) -> bool:
    """Whether the finding's range meets the range the client asks about."""
    found = lsp_range(document, finding.line, finding.column, finding.end_line, finding.end_column)
    before = (wanted.end.line, wanted.end.character) < (found.start.line, found.start.character)
    after = (wanted.start.line, wanted.start.character) > (found.end.line, found.end.character)
    return not (before or after)


def text_edits(edits, document: TextDocument) -> list[types.TextEdit]:
    return [types.TextEdit(range=lsp_range(document, e.line, e.column, e.end_line, e.end_column), new_text=e.content)
            for e in edits]


def ignore_edit(finding: Finding, document: TextDocument) -> Optional[types.TextEdit]:
    """`# kerasfix: ignore[CODE]` on the finding's first line: the code added to an ignore
    comment already there, else the comment appended. None when the line continues (`\\`)."""
    if not 0 < finding.line <= len(document.lines):
        return None
    line = document.lines[finding.line - 1].rstrip("\r\n")
    if line.endswith("\\"):
        return None
    match = _IGNORE.search(line)
    if match is not None:
        codes = [c.strip() for c in match.group("codes").split(",") if c.strip()] + [finding.code]
        start, end = match.start("codes") + 1, match.end("codes") + 1
        content = ", ".join(codes)
    else:
        start = end = len(line) + 1
        content = f"  # kerasfix: ignore[{finding.code}]"
    return types.TextEdit(range=lsp_range(document, finding.line, start, finding.line, end), new_text=content)


# --- the protocol ---------------------------------------------------------------------------


def make_server() -> KerasfixServer:
    server = KerasfixServer()
    _document_features(server)
    _notebook_features(server)
    _action_features(server)
    return server


def _document_features(server: KerasfixServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: KerasfixServer, params: types.InitializeParams) -> None:
        ls.options = Options.read(params.initialization_options)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: KerasfixServer, params: types.InitializedParams) -> None:
        ls.start_indexing()
        _watch_python_files(ls)
        if _pulls_configuration(ls):
            await _pull_configuration(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def configuration(ls: KerasfixServer, params: types.DidChangeConfigurationParams) -> None:
        if isinstance(params.settings, dict) and params.settings:
            ls.reconfigure(Options.read(params.settings))
        elif _pulls_configuration(ls):
            await _pull_configuration(ls)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: KerasfixServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: KerasfixServer, params: types.DidChangeTextDocumentParams) -> None:
        if ls.options.run == "onType":
            ls.schedule(params.text_document.uri, debounce_seconds())

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: KerasfixServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: KerasfixServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.clear(params.text_document.uri)



def _notebook_features(server: KerasfixServer) -> None:
    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_open(ls: KerasfixServer, params: types.DidOpenNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_change(ls: KerasfixServer, params: types.DidChangeNotebookDocumentParams) -> None:
        if ls.options.run == "onType":
            ls.schedule(params.notebook_document.uri, debounce_seconds())

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_save(ls: KerasfixServer, params: types.DidSaveNotebookDocumentParams) -> None:
        ls.schedule(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_close(ls: KerasfixServer, params: types.DidCloseNotebookDocumentParams) -> None:
        ls.clear(params.notebook_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def watched(ls: KerasfixServer, params: types.DidChangeWatchedFilesParams) -> None:
        """A file changed on disk (a checkout, another tool): the index learns it."""
        changes = [(to_fs_path(c.uri), c.type) for c in params.changes]
        changed = await ls.in_worker(_update_files, ls, [(p, t) for p, t in changes if p and p.endswith(".py")])
        if changed:
            for uri in ls.open_documents():
                ls.schedule(uri)


def _update_files(ls: KerasfixServer, changes: list[tuple[str, types.FileChangeType]]) -> bool:
    changed = False
    for path, kind in changes:
        text = None
        if kind != types.FileChangeType.Deleted:
            try:
                with open(path, encoding="utf-8", errors="surrogateescape") as handle:
                    text = handle.read()
            except OSError:
                pass
        changed |= ls.project_for(path).update(path, text)
    return changed


def _watch_python_files(ls: KerasfixServer) -> None:
    """Ask the client to tell of `.py` files changed on disk (a checkout, another tool), when
    it can: the index learns them (workspace/didChangeWatchedFiles)."""
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace else None
    if not (watched and watched.dynamic_registration):
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(watchers=[types.FileSystemWatcher(glob_pattern="**/*.py")])
    ls.client_register_capability(types.RegistrationParams(registrations=[types.Registration(
        id="kerasfix-python-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options)]))


def _resolves_edits(ls: KerasfixServer) -> bool:
    document = ls.client_capabilities.text_document
    support = document.code_action.resolve_support if document and document.code_action else None
    return bool(support and "edit" in support.properties)


def _pulls_configuration(ls: KerasfixServer) -> bool:
    workspace = ls.client_capabilities.workspace
    return bool(workspace and workspace.configuration)


async def _pull_configuration(ls: KerasfixServer) -> None:
    try:
        [value] = await ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section="kerasfix")]))
    except Exception:  # noqa: BLE001 - a client that fails the request keeps the settings it gave
        return
    if value:
        ls.reconfigure(Options.read(value))


def _action_features(server: KerasfixServer) -> None:
    kinds = [types.CodeActionKind.QuickFix, FIX_ALL]

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=kinds))
    async def code_action(ls: KerasfixServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        analysis, is_cell = ls.current(uri)
        if analysis is None:
            return []
        document = ls.workspace.get_text_document(uri)
        only = [str(getattr(kind, "value", kind)) for kind in params.context.only or ()]
        actions: list[types.CodeAction] = []
        if not only or any(types.CodeActionKind.QuickFix.value.startswith(kind) for kind in only):
            for finding in analysis.findings_in(uri, is_cell):
                if same_place(finding, params.range, document):
                    actions += _quick_fixes(ls, uri, finding, document, analysis)
        wanted = not only or any(FIX_ALL.startswith(kind) for kind in only)
        if wanted and any(f.fixable for f in analysis.check.findings):
            owner = ls.owner(uri)[0]
            if only or not _resolves_edits(ls):  # asked for it (fix on save), or no way to ask later
                fix_all = await _fix_all(ls, owner, analysis)
                actions += [fix_all] if fix_all is not None else []
            else:  # the fixes are worked out only if the user picks it (codeAction/resolve)
                actions.append(types.CodeAction(title=FIX_ALL_TITLE, kind=FIX_ALL,
                                                data={"uri": owner, "version": analysis.version}))
        return actions

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def resolve(ls: KerasfixServer, action: types.CodeAction) -> types.CodeAction:
        data = action.data if isinstance(action.data, dict) else {}
        analysis, _ = ls.current(str(data.get("uri", "")))
        if analysis is not None and analysis.version == data.get("version"):
            resolved = await _fix_all(ls, str(data["uri"]), analysis)
            if resolved is not None:
                action.edit = resolved.edit
        return action

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: KerasfixServer, params: types.HoverParams) -> Optional[types.Hover]:
        from .rules._catalog import page

        uri = params.text_document.uri
        analysis, is_cell = ls.current(uri)
        if analysis is None:
            return None
        document = ls.workspace.get_text_document(uri)
        at = types.Range(start=params.position, end=params.position)
        for finding in analysis.findings_in(uri, is_cell):
            if same_place(finding, at, document):
                return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                                                value=f"{finding.message}\n\n---\n\n{page(finding.code)}"),
                                   range=lsp_range(document, finding.line, finding.column, finding.end_line,
                                                   finding.end_column))
        return None


def _quick_fixes(ls: KerasfixServer, uri: str, finding: Finding, document: TextDocument,
                 analysis: Analysis) -> list[types.CodeAction]:
    """"Fix this" when its fix applies under the settings and its edits are known alone (an
    unsafe one labelled), and "ignore this finding on this line"."""
    found = diagnostic(finding, document)
    actions = []
    if finding.fixable and finding.edits:
        by_cell: dict[Optional[str], list] = {}
        for edit in finding.edits:
            by_cell.setdefault(_cell_uri(analysis, edit.cell) if analysis.cells else uri, []).append(edit)
        unsafe = " (unsafe fix)" if finding.fix_safety == "unsafe" else ""
        changes = {target: text_edits(edits, ls.workspace.get_text_document(target))
                   for target, edits in by_cell.items() if target is not None}
        actions.append(types.CodeAction(title=f"Fix {finding.code} ({finding.name}){unsafe}",
                                        kind=types.CodeActionKind.QuickFix, diagnostics=[found],
                                        is_preferred=not unsafe, edit=types.WorkspaceEdit(changes=changes)))
    ignore = ignore_edit(finding, document)
    if ignore is not None:
        actions.append(types.CodeAction(title=f"Ignore {finding.code} on this line", kind=types.CodeActionKind.QuickFix,
                                        diagnostics=[found], edit=types.WorkspaceEdit(changes={uri: [ignore]})))
    return actions


async def _fix_all(ls: KerasfixServer, owner: str, analysis: Analysis) -> Optional[types.CodeAction]:
    """Every fix `kerasfix apply` makes to the document (as it is now, with the settings), as
    one edit of the whole text (a notebook: of each cell it changes)."""
    if not any(f.fixable for f in analysis.check.findings):
        return None
    seen = ls.snapshot(owner)
    if seen is None or seen[0] != analysis.version:
        return None
    version, text, path, cells = seen
    fixed = await ls.in_worker(_fixed, ls.project_for(path), text, path)
    if fixed is None:
        return None
    changes = {}
    new_cells = _cells_of(fixed) if cells else {1: fixed}
    for number, target in enumerate(cells or [owner], 1):
        document = ls.workspace.get_text_document(target)
        new = new_cells.get(number)
        if new is not None and new != document.source:
            whole = types.Range(start=types.Position(0, 0), end=types.Position(len(document.lines), 0))
            changes[target] = [types.TextEdit(range=whole, new_text=new)]
    if not changes:
        return None
    return types.CodeAction(title=FIX_ALL_TITLE, kind=FIX_ALL,
                            edit=types.WorkspaceEdit(changes=changes))


def _fixed(project: Project, text: str, path: str) -> Optional[str]:
    try:
        result = project.check(text, path, fix=True)
    except ValueError:
        return None
    return None if result.error is not None else result.new_text


def _cells_of(notebook_json: str) -> dict[int, str]:
    cells = json.loads(notebook_json)["cells"]
    return {n: c["source"] if isinstance(c["source"], str) else "".join(c["source"]) for n, c in enumerate(cells, 1)}


def serve(tcp: bool = False, host: str = "127.0.0.1", port: int = 2087) -> None:
    """Serve on stdio, or with `tcp` on HOST:PORT (for debugging: a client connects to it)."""
    server = make_server()
    if tcp:
        server.start_tcp(host, port)
    else:
        server.start_io()
