#!/usr/bin/env python3
"""Writes fixtures/tokenizer/cases.jsonl (hand-picked and seeded-random texts) and expected-<encoding>.jsonl
(the reference ids for each case): with ../shared/tools/tiktoken-ref for o200k_base and cl100k_base, with
scripts/tokenizer-reference (each publisher's own tokenizer) for the other bundled encodings.
Run from the package root: python3 scripts/make-tokenizer-fixtures.py [ENCODING...] (default: all)"""
import json, os, random, subprocess, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out_dir = os.path.join(root, "fixtures", "tokenizer")
ref = os.path.join(root, "..", "..", "shared", "tools", "tiktoken-ref")
ref = os.environ.get("TIKTOKEN_REF", ref)
cases = []

def add(name, text):
    cases.append({"name": name, "text": text})

def corpus(name):
    with open(os.path.join(out_dir, "corpora", name), encoding="utf-8") as f:
        return f.read()

# Whole corpora (also used by the benchmark).
for c in ["prose.txt", "code.txt", "markdown.md", "cjk.txt", "scripts.txt"]:
    add("corpus " + c, corpus(c))

add("hello world", "hello world")
add("empty-ish", " ")
add("special token text", "<|endoftext|> and <|endofprompt|><|fim_prefix|>x<|fim_middle|>y<|fim_suffix|>")

# Contractions: every one in every case, in several contexts.
conts = ["s", "t", "re", "ve", "m", "ll", "d"]
def casings(w):
    if not w: return [""]
    rest = casings(w[1:])
    return [c + r for c in {w[0].lower(), w[0].upper()} for r in rest]
for c in conts:
    for v in casings(c):
        for ctx in ["it'%s", "IT'%s", "'%s", " '%s", "1'%s", "x '%s y", "don'%sx", "A'%s!", "ǅ'%s", "中'%s", "''%s"]:
            add("contraction " + ctx.replace("%s", v), ctx % v)
add("long s contraction", "it'ſ, IT'ſ, 'ſ x, word'ſ")
add("curly apostrophe", "don’t it’s we’re THEY’LL")
add("contraction-like", "'sa 'tea 'really 'vex 'mom 'lle 'ddd 'x 'S1 'LLama")

# Letter-case classes (o200k).
for t in ["HELLOworld", "helloWORLD", "HelloWorld", "iPhone", "McDonald's", "CamelCaseString", "ÉCOLE élève",
          "Straße STRASSE", "ǅungla ǈub ǋ", "ʰello ʰ ˢup", "ABC123def", "XMLHttpRequest", "a\u0301b\u0301C\u0301",
          "\u0301\u0301abc", "!\u0301", "x\u0300\u0301\u0302\u0303 y", "Ⅻ ⅻ Ⅻx", "𝐀𝐁𝐂 𝐚𝐛𝐜 𝔸𝕓"]:
    add("case " + t, t)

# Digits.
for n in range(1, 13):
    add("digits %d" % n, "".join(str((i * 7 + 3) % 10) for i in range(n)))
for t in ["a1b22c333d4444", "3.14159 2,718 1_000_000", "٣٤٥٦ ५६७८ １２３４ ²³¹ ½¾ 𝟙𝟚𝟛𝟜", "x12345y", " 123 4567 ",
          "2024-11-25T15:04:05Z", "$1,234.56", "v1.2.3-rc.4", "0x1F600 0b1010"]:
    add("digits " + t, t)

# Whitespace of every kind.
spaces = ["\t", "\n", "\x0b", "\x0c", "\r", " ", "\x85", "\xa0", "\u1680"] + [chr(c) for c in range(0x2000, 0x200B)] + \
         ["\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\u200b", "\u180e", "\ufeff", "\x1c", "\x1f"]
for s in spaces:
    name = "U+%04X" % ord(s)
    for ctx in ["a%sb", "a%s%sb", "a%s", "%s", "%s\n", "a %s b", "x%s!y", "%s%s%s1", "\n%s\n", "a%s\r\nb", "!%s"]:
        add("whitespace %s %s" % (name, ctx), ctx.replace("%s", s))
for t in ["line1\r\nline2\r\n\r\nline3", "\r\r\n\n\r", "a\n  ", "  \n  x", "x  \n\n  y", "tab\tsep\t\tvalues\t",
          "trailing   ", "   leading", "a \n b", "\n\n\n", "a\n\nb", "end\n", "  !", "  \n!", "x\t\ny", " \r\n "]:
    add("whitespace " + repr(t), t)

# Punctuation and slashes.
for t in ["a/b//c", "!/\n/", "http://example.com/a/b?q=1#f", "...!!!???", " ... ", "!!!\n\n", "//\n//", "x/\r\n/y",
          "(){}[]<>", "«quoted» „this“", "a—b–c", "#include <stdio.h>", "@user #tag", "¿Qué? ¡Sí!", "。、！？"]:
    add("punct " + repr(t), t)

# Emoji.
for t in ["👍", "👍🏽", "👨‍👩‍👧‍👦", "🧑🏿‍💻 at work", "🏳️‍🌈", "🇫🇷🇯🇵", "1️⃣ #️⃣", "❤️‍🔥", "😀😃😄 text 😁",
          "👩🏻‍🤝‍👨🏾", "☺︎ ☺️", "a🙂b"]:
    add("emoji " + t, t)

# Scripts.
for t in ["Привет, как дела? Всё хорошо.", "Γειά σου Κόσμε· ΑΒΓ αβγ", "مرحبا بالعالم، كيف حالك؟", "שלום עולם, מה שלומך?",
          "नमस्ते दुनिया, आप कैसे हैं?", "สวัสดีชาวโลก คุณเป็นอย่างไรบ้าง", "你好，世界！今天天气很好。", "こんにちは世界、カタカナとひらがな。",
          "안녕하세요 세계", "Tiếng Việt có dấu: Việt Nam", "ქართული ენა", "Հայերեն լեզու", "ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ", "ℌ𝔢𝔩𝔩𝔬",
          "Ελληνικά: ΐΰ", "हिन्दी\u200dहिन्दी", "\u0378\u0379 unassigned \U000e0001", "private \ue000\uf8ff",
          "𞗐's 𐵊x Ᲊ new in 16", "\u0c5c'Sz \U00016ed2've new in 17", "ZWNJ\u200cZWJ\u200d"]:
    add("script " + t, t)

# Long runs.
add("long spaces then word", " " * 200 + "word")
add("long spaces at end", "word" + " " * 300)
add("long letters", "a" * 300)
add("long upper", "A" * 257)
add("long digits", "1234567890" * 30)
add("long punct", "!" * 150 + "?" * 150)
add("long newlines", "\n" * 100 + "x" + "\r\n" * 50)
add("long mixed", ("ab" * 40 + " ") * 5)
add("long tabs", "\t" * 100 + "x")
add("long cjk", "的" * 200)
add("long emoji", "😀" * 100)
# Pieces over 32 KB take the segmented merge.
add("segmented cjk", "".join(random.Random(7).choice("的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自") for _ in range(12000)))
add("segmented mixed case", "aB" * 17000)
add("segmented tabs", "\t" * 33000 + "x")

# Seeded random strings over a palette that exercises every rule.
palette = list("abcXYZ019 !'/.,-\n\r\t") + ["s", "t", "re", "ll", "ve", "'", "  ", "\u00e9", "e\u0301", "\u0301",
           "\u00a0", "\u3000", "中", "文", "ǅ", "ʰ", "Ⅻ", "٣", "½", "😀", "🏽", "\u200d", "ſ", "\u2028", "Σ", "ς", "ß",
           "\x85", "\u2003", "<|endoftext|>", "ー", "한", "\U0001e5d0", "\u0e31", "\u093f"]
rng = random.Random(20261125)
for i in range(300):
    n = rng.randint(1, 60)
    add("random %d" % i, "".join(rng.choice(palette) for _ in range(n)))
for i in range(100):
    n = rng.randint(1, 30)
    add("random unicode %d" % i, "".join(chr(rng.choice([rng.randint(0x20, 0x7e), rng.randint(0xa0, 0x2fff),
                                                          rng.randint(0x3000, 0xd7ff), rng.randint(0x10000, 0x1faff)]))
                                          for _ in range(n)))

path = os.path.join(out_dir, "cases.jsonl")
if sys.argv[1:]:
    # Named encodings: ids for the committed cases.jsonl, left as it is (the contraction cases' order
    # follows Python's string hashing, so rewriting it would reorder every expected file).
    with open(path, encoding="utf-8") as f:
        cases = [json.loads(line) for line in f if line.strip()]
else:
    with open(path, "w", encoding="utf-8") as f:
        for c in cases:
            f.write(json.dumps(c, ensure_ascii=False) + "\n")
open_ref = os.path.join(root, "scripts", "tokenizer-reference")
wanted = sys.argv[1:] or ["o200k_base", "cl100k_base", "o200k_harmony", "llama3", "llama4", "qwen", "qwen3_6", "tekken", "deepseek"]
for enc in wanted:
    tool = ref if enc in ("o200k_base", "cl100k_base") else open_ref
    result = subprocess.run([tool, "jsonl", "-e", enc, path], check=True, capture_output=True, text=True).stdout
    lines = result.strip().split("\n")
    assert len(lines) == len(cases), (len(lines), len(cases))
    with open(os.path.join(out_dir, "expected-%s.jsonl" % enc), "w") as f:
        for line in lines:
            f.write(json.dumps(json.loads(line)["ids"], separators=(",", ":")) + "\n")
print("%d cases" % len(cases))
