"""unitroles: an executable companion to Zhou et al. (2018) and Zhao et al. (2023) on CNN units."""

__version__ = "0.1.0"
