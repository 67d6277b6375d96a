"""lossedu: loss functions for deep learning, derived, implemented and tested.

Each chapter of the course has a module here. Every public function is
re-exported at the top level, so ``lossedu.kl_div`` and
``lossedu.information.kl_div`` are the same object.
"""

from ._device import device
from ._checks import set_validate_args, validate_args_enabled
from .foundations import *  # noqa: F401,F403
from .regression import *  # noqa: F401,F403
from .information import *  # noqa: F401,F403
from .classification import *  # noqa: F401,F403
from .imbalance import *  # noqa: F401,F403
from .perceptual import *  # noqa: F401,F403
from .transport import *  # noqa: F401,F403
from .training import *  # noqa: F401,F403
from . import foundations, regression, information, classification, imbalance, transport  # noqa: E402
from . import perceptual  # noqa: E402
from . import training  # noqa: E402
from . import data  # noqa: E402  (offline digits and the feature network of chapters 06-07)


def check(question: str, fn, *, verbose: bool = True):
    """Run the public test cases of an exercise question on your function ``fn``.

    Prints one line per case (✓ or ✗, with expected and got values on a failure)
    and the points earned. It never raises because of ``fn``: an unfinished
    function scores 0 points. With ``verbose=False`` it prints nothing and returns
    the result instead (``.score``, ``.max_score``, ``.cases``).

    >>> import torch, lossedu
    >>> def entropy(p):
    ...     return -torch.special.xlogy(p, p).sum(dim=-1)
    >>> result = lossedu.check("ch03.entropy", entropy, verbose=False)
    >>> result.score, result.max_score
    (5.0, 5.0)
    """
    from .grading.check import check as _check

    return _check(question, fn, verbose=verbose)


__version__ = "0.1.0"
__all__ = (
    ["device", "check", "set_validate_args", "validate_args_enabled"]
    + foundations.__all__
    + regression.__all__
    + information.__all__
    + classification.__all__
    + imbalance.__all__
    + perceptual.__all__
    + transport.__all__
    + training.__all__
)
