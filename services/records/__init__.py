"""Domain records: each module is the one writer of its record kind (README, "One truth per
record"). Learner forms, admin screens, every import kind and the API translate their input
and call these functions; a refusal (``Refused``) carries the one message every entry point
shows — the import adds its row number, the API its item index.

- ``achievements``  learner achievements (成果添加, 存储学员成果, 学员成果导入, API pushes)
- ``catalogue``     catalogue entries (名录成果 / 机构成果: forms and imports)
- ``learners``      learner accounts kept by institutions and the center
- ``feedback``      问题反馈 and its handling
- ``checks``        the invariants these share (dates, required fields)
- ``errors``        ``Refusal`` and ``Refused``
"""
