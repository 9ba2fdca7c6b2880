"""MySQL 8 (and MariaDB, which momq embeds in its place)."""

from sqlglot import exp

from momq.dialects.sql import SqlDialect

#: functions a read-only query may call: they compute a value from their arguments (or
#: the clock) and nothing else. Anything not listed (``LOAD_FILE``, ``GET_LOCK`` and the
#: other lock functions, ``LAST_INSERT_ID(expr)``, ``BENCHMARK``, ``SYS_EXEC``, stored
#: functions ...) is refused by the sandbox (``momq.dialects.sql_vet``); add names with
#: ``allow_functions`` in ``[engines.mysql]``.
FUNCTIONS = frozenset(
    """
count sum avg min max group_concat std stddev stddev_pop stddev_samp variance var_pop var_samp bit_and
bit_or bit_xor json_arrayagg json_objectagg
row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value
abs acos asin atan atan2 ceil ceiling conv cos cot crc32 degrees exp floor ln log log10 log2 mod pi pow
power radians rand round sign sin sqrt tan truncate greatest least
ascii bin bit_length char char_length character_length concat concat_ws elt export_set field
find_in_set format from_base64 hex instr lcase left length locate lower lpad ltrim make_set mid oct
octet_length ord position quote regexp_instr regexp_like regexp_replace regexp_substr repeat replace
reverse right rpad rtrim soundex space strcmp substr substring substring_index to_base64 trim ucase
unhex upper md5 sha sha1 sha2
adddate addtime convert_tz curdate current_date current_time current_timestamp curtime date date_add
date_format date_sub datediff day dayname dayofmonth dayofweek dayofyear extract from_days
from_unixtime get_format hour last_day localtime localtimestamp makedate maketime microsecond minute
month monthname now period_add period_diff quarter sec_to_time second str_to_date subdate subtime
sysdate time time_format time_to_sec timediff timestamp timestampadd timestampdiff to_days to_seconds
unix_timestamp utc_date utc_time utc_timestamp week weekday weekofyear year yearweek
if ifnull nullif coalesce isnull cast convert
json_array json_object json_extract json_unquote json_contains json_contains_path json_keys
json_length json_type json_valid json_search json_value json_quote json_depth json_pretty
json_merge_patch json_merge_preserve json_set json_insert json_replace json_remove
sleep database schema
""".split()
)


class MySQL(SqlDialect):
    name = "mysql"
    label = "MySQL"
    sqlglot_dialect = "mysql"
    fence_tags = ("sql", "mysql")
    prefixes = ("SQL", "MySQL")
    line_comments = ("-- ", "#")
    hints = {
        "en": "Use MySQL syntax (backtick identifiers, LIMIT, DATE_FORMAT, no FULL OUTER JOIN).",
        "zh": "使用 MySQL 语法（反引号标识符、LIMIT、DATE_FORMAT、不支持 FULL OUTER JOIN）。",
    }
    quoted_case_sensitive = False
    executable_comments = True
    functions = FUNCTIONS
    # MATCH (col) AGAINST ('words'): full-text search; @@name reads a system variable
    # (setting one takes SET, which is refused)
    extra_constructs = frozenset({exp.MatchAgainst, exp.SessionParameter})
