"""Review views (SPEC §6, §8; seed 000 chapters 三 and 四): the shared list and review page
in ``admin.reviews.base``, the four stages in ``admin.reviews.stages``, the home in
``admin.reviews.home``."""
from flask_babel import lazy_gettext as _l

from admin.reviews import home  # noqa: F401 (registers the reviewers' home page)
from admin.reviews.base import MENU_REVIEWS
from admin.reviews.stages import FinalReviewView, InitialReviewView, PerformanceReviewView, RecognitionReviewView


def register(admin):
    for view_class, name in (
        (RecognitionReviewView, _l("Recognition review")),
        (InitialReviewView, _l("Conversion initial review")),
        (FinalReviewView, _l("Conversion final review")),
        (PerformanceReviewView, _l("Performance conversion review")),
    ):
        admin.add_view(view_class(name=name, category=MENU_REVIEWS))
