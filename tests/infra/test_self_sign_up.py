"""Issue 12, finding 7 in AWS: users are created only through the API, never by Cognito's SignUp."""

from __future__ import annotations

from .conftest import properties, resources


def test_the_user_pool_refuses_self_sign_up(template: dict) -> None:
    # GIVEN the synthesized stack, THEN only an administrator (the API) creates users
    [pool] = resources(template, "AWS::Cognito::UserPool").values()
    assert properties(pool)["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
