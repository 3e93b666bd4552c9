"""`kerasfix server`, driven by a real LSP client speaking JSON-RPC to the running server over
stdio (pytest-lsp): diagnostics on open and change, "fix this", fix all, "ignore on this line",
hover, a notebook, a settings change, a file with a syntax error, a layer defined in another
file of the workspace, and shutdown (the fixture's end). The debounce is cut to 50 ms."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls")
pytest_lsp = pytest.importorskip("pytest_lsp")
from lsprotocol import types  # noqa: E402 - after the skip: the `server` extra may be missing
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402

from kerasfix.results import TextEdit, apply_edits  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TRAP = (
    "import tensorflow as tf\n\n\n"
    "class Projection(tf.keras.layers.Layer):\n"
    "    def build(self, input_shape):\n"
    "        self.kernel = tf.compat.v1.get_variable(\"kernel\", [int(input_shape[-1]), 8])\n"
)
FIXED = TRAP.replace('tf.compat.v1.get_variable("kernel", ', 'self.add_weight(name="kernel", shape=')
IN_CALL = (  # KF103: a weight made in `call`; its fix is unsafe
    "import tensorflow as tf\n\n\n"
    "class Scaled(tf.keras.layers.Layer):\n"
    "    def call(self, x):\n"
    "        kernel = tf.Variable(tf.ones([int(x.shape[-1]), 4]), name=\"kernel\")\n"
    "        return tf.matmul(x, kernel)\n"
)
BASE = "import tensorflow as tf\n\n\nclass Base(tf.keras.layers.Layer):\n    pass\n"
SUBCLASS = (  # a layer only through the Base of another file
    "import tensorflow as tf\n\nfrom .base import Base\n\n\n"
    "class Projection(Base):\n"
    "    def build(self, input_shape):\n"
    "        self.kernel = tf.compat.v1.get_variable(\"kernel\", [2, 8])\n"
)
WAIT = 20.0  # seconds: a server start and a first parse on a loaded machine; a pass takes far less

ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           KERASFIX_SERVER_DEBOUNCE="0.05")


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "kerasfix", "server"],
                                              server_env=ENV))
async def client(lsp_client: LanguageClient, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.kerasfix]\nignore = [\"KF104\"]\n")
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "base.py").write_text(BASE)
    lsp_client.set_configuration({"kerasfix": {"run": "onType"}})
    registered: list[types.Registration] = []

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(client: LanguageClient, params: types.RegistrationParams) -> None:  # as an editor does
        registered.extend(params.registrations)

    lsp_client.registered = registered  # type: ignore[attr-defined]
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=tmp_path.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=tmp_path.as_uri(), name="project")]))
    yield
    await lsp_client.shutdown_session()


async def diagnostics(client: LanguageClient, uri: str, wanted) -> list[types.Diagnostic]:
    """The diagnostics of `uri` once `wanted(codes)` holds of their codes (or a parse error's None)."""
    async def settled():
        while uri not in client.diagnostics or not wanted([d.code for d in client.diagnostics[uri]]):
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        return list(client.diagnostics[uri])

    return await asyncio.wait_for(settled(), WAIT)


def open_file(client: LanguageClient, path: Path, text: str, version: int = 1, save: bool = True) -> str:
    if save:
        path.write_text(text)
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)))
    return uri


def change(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        [types.TextDocumentContentChangeWholeDocument(text=text)]))


async def actions(client: LanguageClient, uri: str, found: types.Diagnostic, only=None) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), found.range, types.CodeActionContext(diagnostics=[found], only=only)))
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


def applied(text: str, edits: list[types.TextEdit]) -> str:
    """The client's side of a workspace edit (positions are UTF-16 units: ASCII here)."""
    return apply_edits(text, [TextEdit(e.range.start.line + 1, e.range.start.character + 1, e.range.end.line + 1,
                                   e.range.end.character + 1, e.new_text) for e in edits])


@pytest.mark.asyncio
async def test_open_fix_this_and_the_diagnostic_goes(client: LanguageClient, tmp_path: Path):
    uri = open_file(client, tmp_path / "model.py", TRAP)
    [found] = await diagnostics(client, uri, lambda codes: codes)
    assert (found.code, found.source, found.severity) == ("KF101", "kerasfix", types.DiagnosticSeverity.Warning)
    assert (found.range.start.line, found.range.start.character) == (5, 22)  # the CLI's 6:23
    assert found.range.end == types.Position(5, 84)
    assert found.code_description.href.endswith("/rules/KF101/")
    offered = await actions(client, uri, found)
    titles = [a.title for a in offered]
    assert titles[:2] == ["Fix KF101 (get-variable-in-layer)", "Ignore KF101 on this line"], titles
    fix = offered[0]
    assert fix.kind == types.CodeActionKind.QuickFix and fix.is_preferred
    new_text = applied(TRAP, fix.edit.changes[uri])
    assert new_text == FIXED
    change(client, uri, new_text, 2)
    assert await diagnostics(client, uri, lambda codes: not codes) == []

    hover_uri = open_file(client, tmp_path / "other.py", TRAP)
    [found] = await diagnostics(client, hover_uri, lambda codes: codes)
    shown = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(hover_uri),
                                                                      types.Position(5, 30)))
    assert "# KF101 get-variable-in-layer" in shown.contents.value and "## Why is this bad?" in shown.contents.value


@pytest.mark.asyncio
async def test_ignore_fix_all_unsafe_fixes_and_a_syntax_error(client: LanguageClient, tmp_path: Path):
    uri = open_file(client, tmp_path / "model.py", TRAP)
    [found] = await diagnostics(client, uri, lambda codes: codes)
    ignore = next(a for a in await actions(client, uri, found) if a.title.startswith("Ignore"))
    ignored = applied(TRAP, ignore.edit.changes[uri])
    assert ignored.splitlines()[5].endswith("8])  # kerasfix: ignore[KF101]")
    change(client, uri, ignored, 2)
    assert await diagnostics(client, uri, lambda codes: not codes) == []

    change(client, uri, TRAP + IN_CALL.replace("import tensorflow as tf\n", ""), 3)
    found = await diagnostics(client, uri, lambda codes: sorted(codes) == ["KF101", "KF103"])
    kf103 = next(d for d in found if d.code == "KF103")
    offered = await actions(client, uri, kf103)
    assert [a.title for a in offered] == ["Ignore KF103 on this line", "Fix all kerasfix findings"]  # unsafe: off
    lazy = offered[1]
    assert lazy.kind == "source.fixAll.kerasfix" and lazy.edit is None  # worked out when picked
    resolved = await client.code_action_resolve_async(lazy)
    [fix_all] = await actions(client, uri, kf103, only=["source.fixAll"])  # as on save: worked out at once
    assert fix_all.kind == "source.fixAll.kerasfix" and fix_all.edit == resolved.edit
    whole = fix_all.edit.changes[uri][0].new_text
    assert 'self.add_weight(name="kernel", shape=[int(input_shape[-1]), 8])' in whole and "tf.Variable" in whole

    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"kerasfix": {"unsafeFixes": True}}))
    await asyncio.sleep(0.3)  # the new settings check the document again: the same findings
    found = await diagnostics(client, uri, lambda codes: sorted(codes) == ["KF101", "KF103"])
    kf103 = next(d for d in found if d.code == "KF103")
    assert "Fix KF103 (variable-created-in-call) (unsafe fix)" in [a.title for a in await actions(client, uri, kf103)]

    change(client, uri, "class Broken(:\n", 4)
    [broken] = await diagnostics(client, uri, lambda codes: codes == [None])
    assert broken.severity == types.DiagnosticSeverity.Error and "not valid Python 3" in broken.message
    change(client, uri, TRAP, 5)  # the server lives on
    await diagnostics(client, uri, lambda codes: codes == ["KF101"])


@pytest.mark.asyncio
async def test_settings_pyproject_and_cross_file_facts(client: LanguageClient, tmp_path: Path):
    uri = open_file(client, tmp_path / "pkg" / "model.py", SUBCLASS)  # Base is in pkg/base.py
    await diagnostics(client, uri, lambda codes: codes == ["KF101"])
    positional = SUBCLASS + "        self.bias = self.add_weight('bias', [8])\n"
    change(client, uri, positional, 2)  # KF104 is ignored by the pyproject.toml
    await asyncio.sleep(0.3)
    assert [d.code for d in await diagnostics(client, uri, lambda codes: True)] == ["KF101"]
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"kerasfix": {"select": ["KF3"]}}))
    await diagnostics(client, uri, lambda codes: codes == [])
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"kerasfix": {"select": ["KF1"]}}))
    await diagnostics(client, uri, lambda codes: codes == ["KF101"])

    assert [r.method for r in client.registered] == [types.WORKSPACE_DID_CHANGE_WATCHED_FILES]  # type: ignore
    base = tmp_path / "pkg" / "base.py"  # changed on disk: Base is no Keras layer any more
    base.write_text("class Base(object):\n    pass\n")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        changes=[types.FileEvent(uri=base.as_uri(), type=types.FileChangeType.Changed)]))
    await diagnostics(client, uri, lambda codes: codes == [])
    base_uri = open_file(client, base, BASE, save=False)  # a layer again, in the editor's buffer only
    await diagnostics(client, uri, lambda codes: codes == ["KF101"])
    assert base_uri in client.diagnostics

    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"kerasfix": {"run": "onSave"}}))
    await asyncio.sleep(0.3)
    change(client, uri, SUBCLASS.replace("tf.compat.v1.get_variable", "self.add_weight"), 3)
    await asyncio.sleep(0.3)  # typing checks nothing now
    assert [d.code for d in client.diagnostics[uri]] == ["KF101"]
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
    await diagnostics(client, uri, lambda codes: codes == [])


@pytest.mark.asyncio
async def test_a_notebook_gets_its_diagnostics_per_cell(client: LanguageClient, tmp_path: Path):
    notebook_uri = (tmp_path / "model.ipynb").as_uri()
    cells = [("import tensorflow as tf\n%matplotlib inline\n", types.NotebookCellKind.Code),
             ("# a layer", types.NotebookCellKind.Markup),
             (TRAP.replace("import tensorflow as tf\n\n\n", ""), types.NotebookCellKind.Code)]
    cell_uris = [f"{notebook_uri}#cell{n}" for n in range(len(cells))]
    client.notebook_document_did_open(types.DidOpenNotebookDocumentParams(
        notebook_document=types.NotebookDocument(
            uri=notebook_uri, notebook_type="jupyter-notebook", version=1,
            cells=[types.NotebookCell(kind=kind, document=cell_uri) for (_, kind), cell_uri in zip(cells, cell_uris)]),
        cell_text_documents=[types.TextDocumentItem(uri=cell_uri, language_id="python" if kind == 2 else "markdown",
                                                    version=1, text=text)
                             for (text, kind), cell_uri in zip(cells, cell_uris)]))
    [found] = await diagnostics(client, cell_uris[2], lambda codes: codes)
    assert found.code == "KF101" and found.range.start == types.Position(2, 22)  # cell 3, line 3, column 23
    assert list(client.diagnostics[cell_uris[0]]) == []
    [fix, _, fix_all] = await actions(client, cell_uris[2], found)
    assert fix.title.startswith("Fix KF101") and list(fix.edit.changes) == [cell_uris[2]]
    new_cell = applied(cells[2][0], fix.edit.changes[cell_uris[2]])
    assert 'self.add_weight(name="kernel", shape=' in new_cell
    resolved = await client.code_action_resolve_async(fix_all)
    assert resolved.edit.changes[cell_uris[2]][0].new_text == new_cell  # the magic's cell untouched
    client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
        notebook_document=types.VersionedNotebookDocumentIdentifier(version=2, uri=notebook_uri),
        change=types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(text_content=[
            types.NotebookDocumentCellContentChanges(
                document=types.VersionedTextDocumentIdentifier(uri=cell_uris[2], version=2),
                changes=[types.TextDocumentContentChangeWholeDocument(text=new_cell)])]))))
    assert await diagnostics(client, cell_uris[2], lambda codes: not codes) == []
