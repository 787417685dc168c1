"""Technology supply <-> application scenario matchmaking: engine and domain (no streamlit here)."""
import os

# Before torch, faiss or onnxruntime load their OpenMP runtimes: idle threads sleep instead of spinning.
# With several runtimes in one process on 2 cores, spinning threads made a single query encoding
# 119 ms instead of 35 ms under load (issue 13). The app, the CLI and the bench all import this first.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
