"""Evaluation and benchmark: Legible's workflows beside two baselines on sets with ground truth.

`python -m ocr.bench DATASET_DIR...`; see `__main__.py`. No Django here: the engine, the data
and the figures only.
"""
