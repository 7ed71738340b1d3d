"""tshape's converters: ONNX models into typed headers (onnx2tshape), PyTorch state_dicts into .npz
archives in Keras' layouts (torch2npz)."""
