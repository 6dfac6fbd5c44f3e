"""Data loaded rather than entered, apart from the domain code (which never imports it).
``reference``: the reference data init-db loads on every site (categories, framework levels,
colleges); ``demo``: the demo data of ``make run``, with the portal's articles
(``demo_portal``) and the 服务支持 / 关于我们 pages and 在线解答 (``demo_help``).
"""
