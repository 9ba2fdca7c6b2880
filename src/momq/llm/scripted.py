"""A scripted stand-in model that makes pipeline tests deterministic.

It answers from a script instead of a network: a list of answers consumed in order, a
list of ``(pattern, answer)`` rules matched against the last user message, or a
function of the prompt. Every prompt it receives is recorded in ``prompts`` so that
tests can check what a pipeline sent (for example, that a repair prompt carried the
engine's error and was never sent twice).
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

from momq.errors import ConfigError
from momq.llm.base import GenerationConfig, LanguageModel, Prompt

Rule = tuple[str, str]


class ScriptedModel(LanguageModel):
    """Answers from a script (see module docstring).

    ``answers``: returned in order, one per prompt; when exhausted, ``default`` is
    returned (or an error is raised if ``default`` is None).
    ``rules``: ``(regex, answer)``; the first regex that matches the prompt's text (all
    messages joined) wins; consulted before ``answers``.
    ``function``: ``prompt -> answer``; consulted first when given.
    """

    backend = "scripted"

    def __init__(
        self,
        answers: Sequence[str] = (),
        *,
        rules: Sequence[Rule] = (),
        function: Callable[[Prompt], str | None] | None = None,
        default: str | None = "",
    ):
        super().__init__()
        self.answers = list(answers)
        self.rules = [(re.compile(pattern, re.S | re.I), answer) for pattern, answer in rules]
        self.function = function
        self.default = default
        self.prompts: list[Prompt] = []

    def _generate(self, prompts: Sequence[Prompt], config: GenerationConfig) -> list[str]:
        return [self._answer(p) for p in prompts]

    def _answer(self, prompt: Prompt) -> str:
        self.prompts.append(prompt)
        text = "\n".join(m.get("content", "") for m in prompt)
        if self.function is not None:
            answer = self.function(prompt)
            if answer is not None:
                return answer
        for pattern, answer in self.rules:
            if pattern.search(text):
                return answer
        if self.answers:
            return self.answers.pop(0)
        if self.default is None:
            raise ConfigError("scripted model: script exhausted")
        return self.default


def from_spec(spec: str) -> ScriptedModel:
    """``scripted:ANSWER`` answers ANSWER to every prompt (handy on the command line);
    ``scripted:@file.json`` reads ``{"answers": [...], "rules": [[re, answer], ...]}``."""
    import json
    from pathlib import Path

    body = spec.partition(":")[2]
    if body.startswith("@"):
        data = json.loads(Path(body[1:]).read_text())
        return ScriptedModel(
            data.get("answers", []), rules=[tuple(r) for r in data.get("rules", [])], default=data.get("default", "")
        )
    return ScriptedModel(default=body)
