"""`python -m matcher bench`: latency, ingest, memory, encoders and the approximate index against baselines.

corpus      synthetic bilingual offerings/scenarios composed from the taxonomy and demo data
vectors     real encodings cached on disk, perturbed copies past a budget, RSS
baselines   numpy + rank_bm25, sklearn brute force, txtai hybrid
encoding    encoders side by side: single-query latency, batch texts/s, the backend's own encode
scaling     per corpus size: ingest, hybrid latency, add-one, memory (and the baselines)
quality     nDCG@10 on the labelled sets; ONNX encoders against torch
ann         the engine's IVF mode against flat: recall@10, speed-up, switch-over size
runner      one run of everything, and the targets met or missed
report      benchmarks/RESULTS.md from the run's JSON
"""
import os

# Before torch, faiss or sklearn load their OpenMP runtimes: idle OpenMP threads sleep instead of spinning.
# With three runtimes in one process on 2 shared cores, spinning threads made single queries 10-20x slower
# at random (sklearn 530 ms vs 27 ms, one query encoding 450 ms vs 30 ms, at load average ~4). It applies
# to every contender alike; RESULTS.md records the setting. Set OMP_WAIT_POLICY yourself to override.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from matcher.bench.report import OTHER_SECTIONS, render  # noqa: E402
from matcher.bench.runner import carry_over, run  # noqa: E402

__all__ = ["OTHER_SECTIONS", "carry_over", "render", "run"]
