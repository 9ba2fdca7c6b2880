"""PostgreSQL."""

from momq.dialects.sql import SqlDialect

#: functions a read-only query may call: they compute a value from their arguments (or
#: the clock) and nothing else. Anything not listed (large objects, files, settings,
#: signals, advisory locks, sequences, functions that run a query given as text such as
#: ``query_to_xml`` or ``ts_stat``, ``dblink`` ...) is refused by the sandbox
#: (``momq.dialects.sql_vet``); add names with ``allow_functions`` in ``[engines.postgres]``.
FUNCTIONS = frozenset(
    """
count sum avg min max every bool_and bool_or stddev stddev_pop stddev_samp variance var_pop var_samp
corr covar_pop covar_samp regr_avgx regr_avgy regr_count regr_intercept regr_r2 regr_slope regr_sxx
regr_sxy regr_syy string_agg array_agg json_agg jsonb_agg json_object_agg jsonb_object_agg
percentile_cont percentile_disc mode bit_and bit_or bit_xor grouping
row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value
abs cbrt ceil ceiling degrees div exp factorial floor gcd lcm ln log log10 min_scale mod pi power pow
radians round scale sign sqrt trim_scale trunc width_bucket random acos acosd asin asind atan atan2
atan2d atand cos cosd cot cotd sin sind tan tand sinh cosh tanh asinh acosh atanh greatest least
ascii bit_length btrim char_length character_length chr concat concat_ws format initcap left length
lower lpad ltrim md5 normalize octet_length overlay position quote_ident quote_literal quote_nullable
regexp_count regexp_instr regexp_like regexp_match regexp_matches regexp_replace regexp_split_to_array
regexp_split_to_table regexp_substr repeat replace reverse right rpad rtrim split_part starts_with
string_to_array string_to_table strpos substr substring translate trim upper encode decode sha224
sha256 sha384 sha512 to_char to_date to_number to_timestamp to_hex
age clock_timestamp current_date current_time current_timestamp date_bin date_part date_trunc extract
isfinite justify_days justify_hours justify_interval localtime localtimestamp make_date make_interval
make_time make_timestamp make_timestamptz now statement_timestamp timeofday transaction_timestamp
timezone
coalesce nullif num_nonnulls num_nulls cast date
array array_append array_cat array_dims array_fill array_length array_lower array_ndims array_position
array_positions array_prepend array_remove array_replace array_to_string array_upper cardinality
trim_array unnest generate_series generate_subscripts
to_json to_jsonb array_to_json row_to_json json_build_array jsonb_build_array json_build_object
jsonb_build_object json_object jsonb_object json_array_elements jsonb_array_elements
json_array_elements_text jsonb_array_elements_text json_array_length jsonb_array_length json_each
jsonb_each json_each_text jsonb_each_text json_extract_path jsonb_extract_path json_extract_path_text
jsonb_extract_path_text json_object_keys jsonb_object_keys json_typeof jsonb_typeof json_strip_nulls
jsonb_strip_nulls jsonb_pretty jsonb_path_exists jsonb_path_match jsonb_path_query
jsonb_path_query_array jsonb_path_query_first jsonb_set jsonb_insert
row pg_typeof pg_sleep current_schema
format_type pg_get_expr pg_get_constraintdef pg_get_viewdef col_description obj_description has_table_privilege
has_column_privilege has_schema_privilege
""".split()
)


class Postgres(SqlDialect):
    name = "postgres"
    label = "PostgreSQL"
    sqlglot_dialect = "postgres"
    fence_tags = ("sql", "postgresql", "postgres", "psql", "pgsql")
    prefixes = ("SQL", "PostgreSQL", "Postgres")
    identifier_quote = '"'
    hints = {
        "en": "Use PostgreSQL syntax (ILIKE, ::casts, DATE_TRUNC, double-quoted identifiers).",
        "zh": "使用 PostgreSQL 语法（ILIKE、::类型转换、DATE_TRUNC、双引号标识符）。",
    }
    functions = FUNCTIONS
    builtin_schemas = frozenset({"pg_catalog"})
