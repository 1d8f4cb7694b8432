"""The demo workspace 示例区: fictional district, units, users and posts, kept as data files."""
