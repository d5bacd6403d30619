"""The plots of a design, a module each: where the scores fall (``distributions``), value
against threshold (``value_curve``), value and cost by outcome (``outcomes``), the ROC curve
(``roc``) and the design over time (``time_panels``, ``over_time``); ``common`` and ``axes``
hold what they share. Import from the modules.

Each view is built with the :class:`~prototyper.qt.document.Document`, creates its plot items
once in ``__init__`` and only moves them (``setData``/``setOpts``) in :meth:`set_analysis`,
which runs on every ``document.changed``. The only intent a plot sends back is a dragged
threshold line, through :meth:`Document.set_value`.

Score axes (distributions and value curve) are linear in logit(score). For the synthetic
model logit(score) is linear in the latent value, so the two bell curves keep their shape, and
the tiny scores that matter at a low base rate get as much room as the ones near 0.5. Ticks
are labelled as probabilities (0.001, 0.01, 0.1, 0.5, 0.9, 0.99).
"""
