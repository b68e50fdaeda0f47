#!/usr/bin/env python3
"""Randomized differential check of `tokenledger count` against each encoding's reference (not run in CI):
tiktoken-ref for o200k_base and cl100k_base, scripts/tokenizer-reference (the publisher's own tokenizer)
for the others.
Usage: python3 scripts/tokenizer-differential.py [N] [SEED] [ENCODING...]   (default: o200k_base cl100k_base;
"all" for every bundled encoding). Builds nothing: uses .build/debug/tokenledger or $TOKENLEDGER. Prints
every mismatch and exits 1 if there is one."""
import json, os, random, subprocess, sys, tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ref = os.environ.get("TIKTOKEN_REF") or next((p for p in (os.path.join(root, "..", "shared", "tools", "tiktoken-ref"),
                                                           os.path.join(root, "..", "..", "shared", "tools", "tiktoken-ref"))
                                                if os.access(p, os.X_OK)), "tiktoken-ref")
ours = os.environ.get("TOKENLEDGER", os.path.join(root, ".build", "debug", "tokenledger"))
open_ref = os.path.join(root, "scripts", "tokenizer-reference")
n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
encodings = sys.argv[3:] or ["o200k_base", "cl100k_base"]
if encodings == ["all"]:
    encodings = ["o200k_base", "cl100k_base", "o200k_harmony", "llama3", "llama4", "qwen", "qwen3_6", "tekken", "deepseek"]

ranges = [(0x20, 0x7E), (0xA0, 0x24F), (0x250, 0x36F), (0x370, 0x52F), (0x530, 0x8FF), (0x900, 0xDFF),
          (0xE00, 0xFFF), (0x1000, 0x1FFF), (0x2000, 0x2BFF), (0x2C00, 0x2FFF), (0x3000, 0x33FF),
          (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xA000, 0xABFF), (0xAC00, 0xD7FF), (0xF900, 0xFFFD),
          (0x10000, 0x10FFF), (0x11000, 0x11FFF), (0x16000, 0x16FFF), (0x1D000, 0x1DFFF), (0x1E000, 0x1EFFF),
          (0x1F000, 0x1FAFF), (0x20000, 0x2A6DF), (0xE0000, 0xE01EF), (0x0, 0x10FFFF)]
atoms = list("aAzZ09 '\n\r\t/!.,-_") + ["'s", "'S", "'t", "'re", "'RE", "'ve", "'m", "'ll", "'LL", "'d", "'ſ", "  ",
        "\r\n", "\u00a0", "\u3000", "\u2028", "\x85", "\x0b", "\x0c", "\u200b", "e\u0301", "\u0301", "\u05b0",
        "ǅ", "ʰ", "Ⅻ", "½", "٣", "😀", "🏽", "\u200d", "中", "の", "한", "<|endoftext|>", "http://a.b/c",
        # Not NFC (Qwen normalises first): decomposed accents, Hangul jamo, singletons, reordered marks.
        "A\u030a", "\u1100\u1161\u11a8", "\u212b", "\u2126", "a\u0323\u0307", "\u0958", "\u1e0b\u0323"]

def cp():
    lo, hi = rng.choice(ranges)
    while True:
        c = rng.randint(lo, hi)
        if not (0xD800 <= c <= 0xDFFF): return chr(c)

long_alphabets = ["abcdefghijklmnopqrstuvwxyz", "ab", "a", " ", "0123456789", "aeiou", "xyzXYZ", "é中a", "!?.", " \n"]

# Runs of 3-byte characters (CJK, kana, hangul, Indic, Thai, symbols) make the long pieces whose
# characters BytePairMerge joins up front (CharacterPremerge); common hanzi make real merges happen.
common = ("的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多"
          "天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身"
          "些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门"
          "相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报"
          "のはにをがとでてたしいるすかなっこれもあうまよりらさんアイウエオカキクケコサシスセソタチツテトナ한국어입니다하고는을를")
run_ranges = [(0x3040, 0x30FF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0x3000, 0x303F), (0xFF00, 0xFFEF),
              (0x0900, 0x097F), (0x0E00, 0x0E7F), (0x2000, 0x2BFF), (0x0800, 0xFFFD)]

def run3():
    out = []
    for _ in range(rng.randint(8, 400)):
        x = rng.random()
        if x < 0.6:
            out.append(rng.choice(common))
        elif x < 0.9:
            lo, hi = rng.choice(run_ranges)
            c = rng.randint(lo, hi)
            out.append("中" if 0xD800 <= c <= 0xDFFF else chr(c))
        else:
            out.append(rng.choice(" ，。、a1\n😀é'"))
    return "".join(out)

def text():
    if rng.random() < 0.25:
        return run3()
    if rng.random() < 0.02:  # long pieces take the heap path of the merge
        a = rng.choice(long_alphabets)
        return "".join(rng.choice(a) for _ in range(rng.randint(65, 2000)))
    k = rng.randint(1, 40)
    return "".join(rng.choice(atoms) if rng.random() < 0.5 else cp() for _ in range(k))

texts = [text() for _ in range(n)]
bad = 0
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "cases.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for t in texts: f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
    for enc in encodings:
        tool = ref if enc in ("o200k_base", "cl100k_base") else open_ref
        want = [json.loads(l)["ids"] for l in subprocess.run([tool, "jsonl", "-e", enc, path], check=True,
                capture_output=True, text=True).stdout.strip().split("\n")]
        got = [json.loads(l)["ids"] for l in subprocess.run([ours, "count", "--encoding", enc, "--jsonl", "--ids", path],
               check=True, capture_output=True, text=True).stdout.strip().split("\n")]
        assert len(want) == len(got) == n, (len(want), len(got))
        for t, w, g in zip(texts, want, got):
            if w != g:
                bad += 1
                if bad <= 30: print(enc, ascii(t), "reference", w, "ours", g)
        print(enc, "checked", n, "texts")
print("mismatches:", bad)
sys.exit(1 if bad else 0)
