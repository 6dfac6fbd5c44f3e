"""Domain records. The writers — each the one writer of its record kind (README, "One truth
per record"): learner forms, admin screens, every import kind and the API translate their input
and call these functions; a refusal (``Refused``) carries the one message every entry point
shows — the import adds its row number, the API its item index.

- ``achievements``  learner achievements (成果添加, 存储学员成果, 学员成果导入, API pushes)
- ``catalogue``     catalogue achievements (名录成果 / 机构成果: forms and imports)
- ``learners``      learner accounts kept by institutions and the center
- ``feedback``      问题反馈 and its handling
- ``checks``        the invariants these share (dates, required fields)
- ``errors``        ``Refusal`` and ``Refused``

and what records are checked and described with:

- ``duplicates``    the duplicate-certificate flag, kept when achievements are written
- ``validators``    ID numbers (GB 11643), mobiles, USCC, postal codes, passwords; masking
- ``field_schema``  form fields built from a subcategory's field schema
- ``regions``       省/市/区 data for linked selects
- ``api_sync``      the institution API's pushes of 学员成果
"""
