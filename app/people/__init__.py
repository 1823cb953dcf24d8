"""People, topic tags, the topic scheme and its gardening, expert search."""
