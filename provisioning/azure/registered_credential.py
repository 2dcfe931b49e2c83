"""A credential wrapper that registers every access token with the redactor the moment it is fetched.

Why at the credential: tokens are fetched by azure-core's bearer policy inside every SDK client and
by our own ARM pipeline, in every command, and refreshed mid-run; registering them where one command
happens to ask for one (preflight's identity check) leaves the others unregistered, so a token echoed
in an error body or a debug log would pass the scrubber. Every token any client uses passes here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provisioning.redact import REDACTOR

if TYPE_CHECKING:
    from azure.core.credentials import AccessToken, AccessTokenInfo, TokenCredential, TokenRequestOptions


class RegisteredCredential:
    """Implements `get_token` and `get_token_info` (azure-core prefers the latter) by delegation."""

    def __init__(self, inner: TokenCredential) -> None:
        self.inner = inner

    def __repr__(self) -> str:
        return f"RegisteredCredential({type(self.inner).__name__})"

    def get_token(self, *scopes: str, claims: str | None = None, tenant_id: str | None = None,
                  enable_cae: bool = False, **kwargs: Any) -> AccessToken:
        token = self.inner.get_token(*scopes, claims=claims, tenant_id=tenant_id, enable_cae=enable_cae, **kwargs)
        REDACTOR.add(token.token)
        return token

    def get_token_info(self, *scopes: str, options: TokenRequestOptions | None = None) -> AccessTokenInfo:
        get_token_info = getattr(self.inner, "get_token_info", None)
        if get_token_info is None:  # an older credential: the same token through get_token
            from azure.core.credentials import AccessTokenInfo

            token = self.get_token(*scopes)
            return AccessTokenInfo(token.token, token.expires_on)
        info: AccessTokenInfo = get_token_info(*scopes, options=options)
        REDACTOR.add(info.token)
        return info

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> RegisteredCredential:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
