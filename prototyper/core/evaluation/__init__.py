"""The static evaluation of a design: the one value model, the engine (an average day),
threshold sweeps, the analysis built on them and the text report."""
