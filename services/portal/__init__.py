"""The public portal's content. ``articles``: portal Markdown (news, guides, regulations),
rendered and sanitised.
"""
