"""The models on the hook path: a change's risk and a file's score, served with onnxruntime.

Never imports scikit-learn. The pipeline calls :func:`quality_hooks.model.scoring.score_results`
and assigns what it returns; the gate judges ``max-risk`` and ``min-score`` like every other
threshold. This package's ``__init__`` imports nothing, so the analysis can measure the models'
static facts (:mod:`quality_hooks.model.static`) without loading numpy and onnxruntime.
"""
