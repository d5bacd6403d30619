"""The desktop app: the only package that imports Qt. Views render core state."""

import pyqtgraph as pg

# Light plots with dark text read best on screens and projectors alike.
pg.setConfigOptions(background="w", foreground="#202020", antialias=True)
