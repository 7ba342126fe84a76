"""Chat templates: read from the real SmolLM2 GGUF and from checkpoints, rendered in the sandbox only."""

import json

import pytest

from core.model.chat import (
    ChatTemplate,
    ChatTemplateError,
    continuation_request,
    read_chat_template,
    render,
    title_request,
)
from core.model.discovery import embedded_gemma_path, embedded_smollm2_path


def test_smollm2_ships_its_template_and_it_renders_a_continuation_request():
    template = read_chat_template(embedded_smollm2_path())
    assert template is not None and template.source == "gguf:tokenizer.chat_template"
    assert len(template.sha256) == 64
    prompt = render(template, continuation_request("In the beginning God created"))
    assert prompt.startswith("<|im_start|>system\n")
    assert "<|im_start|>user\nContinue this text exactly, word for word:\n\nIn the beginning God created<|im_end|>" in prompt
    assert prompt.endswith("<|im_start|>assistant\n")


def test_a_base_model_has_no_template():
    assert read_chat_template(embedded_gemma_path()) is None


def test_checkpoint_templates_named_or_plain(tmp_path):
    (tmp_path / "tokenizer_config.json").write_text(
        json.dumps({"chat_template": [{"name": "tool_use", "template": "x"}, {"name": "default", "template": "{{ messages[0]['content'] }}!"}]})
    )
    template = read_chat_template(tmp_path)
    assert template is not None and template.source == "tokenizer_config.json"
    assert render(template, title_request("Dune", "Frank Herbert")) == "Recite the opening of Dune by Frank Herbert, word for word.!"
    (tmp_path / "chat_template.jinja").write_text("{{ bos_token }}{{ messages[0]['role'] }}")
    assert render(read_chat_template(tmp_path), continuation_request("x"), bos_token="<s>") == "<s>user"


def test_a_template_cannot_reach_python_internals():
    hostile = ChatTemplate(source="test", text="{{ messages.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(ChatTemplateError, match="could not be rendered"):
        render(hostile, continuation_request("x"))
    mutating = ChatTemplate(source="test", text="{% set _ = messages.append({'role': 'x'}) %}{{ messages | length }}")
    with pytest.raises(ChatTemplateError, match="could not be rendered"):
        render(mutating, continuation_request("x"))


def test_refusals_are_one_sentence_errors():
    refusing = ChatTemplate(source="test", text="{{ raise_exception('Only user and assistant roles') }}")
    with pytest.raises(ChatTemplateError, match="refused the conversation: Only user"):
        render(refusing, continuation_request("x"))
    huge = ChatTemplate(source="test", text="{% for i in range(90000) %}{{ 'x' * 100 }}{% endfor %}")
    with pytest.raises(ChatTemplateError, match="rendered .* characters"):
        render(huge, continuation_request("x"))


def test_broken_config_is_reported(tmp_path):
    (tmp_path / "tokenizer_config.json").write_text("{not json")
    with pytest.raises(ChatTemplateError, match="not a readable JSON"):
        read_chat_template(tmp_path)
