"""Small sources the command-line tests share."""

# A Keras model keeping its layers in a set: KF302, fixed safely into a list.
TRAP = (
    "import tensorflow as tf\n\n\n"
    "class Heads(tf.keras.Model):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.heads = {tf.keras.layers.Dense(1)}\n"
)
FIXED = TRAP.replace("{tf.keras.layers.Dense(1)}", "[tf.keras.layers.Dense(1)]")
