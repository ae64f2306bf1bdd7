"""The chat tutor's core: reading a typed message (`reading`) and the conversation state
that survives restarts (`conversation`). The dialogue on an answer is `bot.core.dialogue`."""
