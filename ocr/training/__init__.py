"""Training the engine's own networks from pages people checked. PURE: no Django import.

- `samples`: what a training reads: page images with polygons (detector), straightened line
  crops with their text (recognizer), cut by the engine's own cropper.
- `augment`: random changes of scans and handwriting that keep the truth true.
- `db`: the DB detector's targets (shrunk text maps, threshold maps) and loss.
- `ctc`: labels in the recognizer's own dictionary and the CTC loss.
- `detector`, `recognizer`: the training loops on the `torchnet` modules.
- `evaluate`: detection precision/recall/hmean at IoU 0.5 and character error rates.
- `export`: a trained module back to an ONNX file that onnxruntime runs like a shipped one.
- `bench`: `python -m ocr.training.bench detector|recognizer ...` on the development sets.
"""

from __future__ import annotations

from .errors import TrainingCancelled, TrainingError

__all__ = ["TrainingCancelled", "TrainingError"]
