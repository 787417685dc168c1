"""Search: encoders, FAISS and BM25 indexes, fusion, structured signals, ranking, evaluation."""
