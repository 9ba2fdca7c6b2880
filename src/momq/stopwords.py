"""Stop words shared by value alignment (which n-grams can be values) and R3's heuristic
ranker (which question words can name a schema element). No heavy imports."""

STOPWORDS = frozenset(
    """
a an the of in on at to for from by with and or not no is are was were be been being do does did
what which who whom whose where when why how many much all any each every some than then that this
these those it its their there here as into about over under between after before during per show
list give find tell me my i you your we our they them he she his her has have had can could would
should will shall may might must one ones more most less least top number count total average
please return get name names value values
的 了 是 在 和 有 吗 哪些 什么 多少 谁 哪个 哪里
""".split()
)
