"""ONNX Runtime backend: export a sentence-transformers model offline (fp32 and dynamic int8) and run it.

sentence-transformers' own `backend="onnx"` needs optimum-onnx, whose only release pins
transformers 4.x (we run 5.x), so the export is done here with torch.onnx and
onnxruntime.quantization.quantize_dynamic, and inference repeats the model's pipeline:
tokenise (the model's own tokenizer, same max length), transformer, mean pooling, L2 normalisation.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from matcher.config import BUNDLED_MODEL
from matcher.search.encoders.base import PROFILE_DIR, load_profile
from matcher.search.encoders.sentence_transformers import resolve_model_path

INPUTS = ["input_ids", "attention_mask", "token_type_ids"]


def export_onnx(folder: Path, model: str = BUNDLED_MODEL) -> dict[str, Path]:
    """model.onnx (fp32) and its per-channel int8 copy in folder, exported once from the local model files."""
    folder.mkdir(parents=True, exist_ok=True)
    fp32, int8 = folder / "model.onnx", folder / "model_int8_per_channel.onnx"
    if not fp32.exists():
        import torch
        from sentence_transformers import SentenceTransformer

        st = SentenceTransformer(resolve_model_path(model), device="cpu")
        hf = st[0].auto_model.eval()

        class Hidden(torch.nn.Module):  # the exporter wants plain tensors in and out
            def __init__(self, m):
                super().__init__()
                self.m = m

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.m(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

        sample = st.tokenizer(["hello world", "石墨烯导热膜"], padding=True, return_tensors="pt")
        tmp = folder / "model.onnx.tmp"
        torch.onnx.export(Hidden(hf), tuple(sample[k] for k in INPUTS), str(tmp), input_names=INPUTS,
                          output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                          dynamic_axes={k: {0: "batch", 1: "seq"} for k in [*INPUTS, "last_hidden_state"]})
        os.replace(tmp, fp32)
    if not int8.exists():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        # Per-channel scales: one scale per weight tensor (the default) cost accuracy (cosine to torch
        # 0.915); per output channel keeps it at about 0.99 for the same speed.
        tmp = folder / "model_int8.tmp.onnx"
        quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
        os.replace(tmp, int8)
    return {"fp32": fp32, "int8": int8}


class OnnxEncoder:
    """Encoder protocol over an ONNX Runtime session (CPU), same tokenizer and pooling as the torch model."""

    def __init__(self, onnx_file: Path, model: str = BUNDLED_MODEL, threads: int | None = None,
                 profile_dirs: tuple = ()):
        import onnxruntime as ort
        from transformers import AutoTokenizer

        path = resolve_model_path(model)
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.max_length = 256  # all-MiniLM-L6-v2's max_seq_length (sentence_bert_config.json)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or os.cpu_count() or 1
        # Idle threads sleep, as OpenMP's do under OMP_WAIT_POLICY=PASSIVE (as the benchmark sets it).
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(onnx_file), opts, providers=["CPUExecutionProvider"])
        self.name = f"{model}#onnx-{Path(onnx_file).stem}"
        self.dim = 384
        self._unk = self.tokenizer.unk_token
        # Without a profile fitted for this encoder, the model's own: per-channel int8 keeps the torch model's
        # cosines (test_encoders).
        self.profile = load_profile(self.name, self.dim, ("en",), (*profile_dirs, PROFILE_DIR), base=model)

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Sort by length so each batch pads little (sentence-transformers does the same).
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for start in range(0, len(texts), batch_size):
            idx = order[start:start + batch_size]
            enc = self.tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                 max_length=self.max_length, return_tensors="np")
            feed = {k: enc[k].astype(np.int64) for k in INPUTS if k in enc}
            hidden = self.session.run(None, feed)[0]
            mask = feed["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(1) / np.maximum(mask.sum(1), 1e-9)
            out[idx] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out

    def coverage(self, text: str) -> float:
        tokens = self.tokenizer.tokenize(text[:2000])
        return 1.0 - sum(t == self._unk for t in tokens) / len(tokens) if tokens else 0.0
