#!/usr/bin/env python3
"""Peer timings for `tokenledger-bench tokenizer`: best-of-N encode time of tiktoken and quicktok on each
file, timing only the encode call (the text is read and decoded before the clock starts). The time is
the process's CPU time (all its threads), as the benchmark times our single-threaded encode by CPU
time: on a machine shared with other work, wall time mostly measures the others.

Usage: tokenizer-peers.py ENCODING REPS FILE...
Prints one JSON object per peer and file: {"peer", "version", "file", "bytes", "tokens", "seconds"}, or
{"peer", "skipped": reason, "install": command} when a peer cannot be imported. The benchmark runs this
with tiktoken-ref's virtualenv (TIKTOKEN_CACHE_DIR pointing at its unpacked rank files, no network).
"""
import json, sys, time

encoding, reps, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]


def load(peer):
    if peer == "tiktoken":
        import tiktoken
        return tiktoken.__version__, tiktoken.get_encoding(encoding).encode_ordinary
    import quicktok
    return quicktok.__version__, quicktok.get_encoding(encoding).encode_ordinary


for peer, package in (("tiktoken", "tiktoken==0.14.*"), ("quicktok", "quicktok-v1")):
    try:
        version, encode = load(peer)
    except Exception as error:  # ImportError, or a missing rank file
        print(json.dumps({"peer": peer, "skipped": f"{type(error).__name__}: {error}",
                          "install": f"{sys.executable} -m pip install '{package}'"}), flush=True)
        continue
    for path in files:
        text = open(path, "rb").read().decode("utf-8")
        encode(text[:1000])
        best, tokens = None, 0
        for _ in range(reps):
            start = time.process_time()
            tokens = len(encode(text))
            elapsed = time.process_time() - start
            best = elapsed if best is None else min(best, elapsed)
        print(json.dumps({"peer": peer, "version": version, "file": path, "bytes": len(text.encode("utf-8")),
                          "tokens": tokens, "seconds": best}), flush=True)
