//! Binding a domain value's columns the same way on both databases.

/// Binds every column of an `Interaction`, in `INTERACTION_COLUMNS` order.
macro_rules! bind_interaction {
    ($query:expr, $i:expr) => {{
        let i = $i;
        let [prompt_tokens, completion_tokens, total_tokens] = $crate::sql::usage_columns(i);
        $query
            .bind(i.id)
            .bind(i.user_id)
            .bind(i.kind.as_str())
            .bind(&i.model)
            .bind(&i.prompt)
            .bind(i.response.as_deref())
            .bind(i.status.as_str())
            .bind(i.error_code.as_deref())
            .bind(i64::try_from(i.latency_ms).unwrap_or(i64::MAX))
            .bind(prompt_tokens)
            .bind(completion_tokens)
            .bind(total_tokens)
            .bind(i.created_at)
    }};
}

pub(crate) use bind_interaction;
