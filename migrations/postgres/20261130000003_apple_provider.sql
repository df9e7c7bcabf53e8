-- Sign in with Apple: 'apple' joins the providers users.provider and
-- oauth_states.provider accept. The constraints carry PostgreSQL's default
-- names (<table>_<column>_check); rows are untouched.
ALTER TABLE users DROP CONSTRAINT users_provider_check;
ALTER TABLE users ADD CONSTRAINT users_provider_check
    CHECK (provider IN ('local', 'google', 'facebook', 'apple'));

ALTER TABLE oauth_states DROP CONSTRAINT oauth_states_provider_check;
ALTER TABLE oauth_states ADD CONSTRAINT oauth_states_provider_check
    CHECK (provider IN ('google', 'facebook', 'apple'));
