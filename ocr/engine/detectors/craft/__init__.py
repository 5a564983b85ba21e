"""CRAFT text detector (Baek et al. 2019) in native torch, weights from OCR_MODEL_DIR."""
