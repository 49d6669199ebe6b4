"""Case clarification across authorities: rule-created items, queues, states."""
