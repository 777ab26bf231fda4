"""Issue 12, finding 7: sign-up is all or nothing, and only the API creates users.

The Cognito user is created through the admin API (disabled until the e-mailed code confirms
the address); the public client's SignUp is refused, so nobody can take someone else's address
from outside. A failure after the Cognito user exists removes it again, and an address left with
a Cognito user but no account (a half-done earlier sign-up) can sign up.
"""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib import dependencies
from chalicelib.domain.terms import TERMS_VERSION
from chalicelib.storage.models import AccountModel

from .conftest import PASSWORD, User, email_address, last_code


def cognito(settings):
    return boto3.client("cognito-idp", endpoint_url=settings.aws_endpoint_url, region_name=settings.region)


def signup(user: User):
    return user.call("POST", "/auth/signup", json={
        "email": user.email, "password": PASSWORD, "accepted_terms_version": TERMS_VERSION})


def test_cognito_sign_up_with_the_public_client_is_refused(settings, base_url):
    # GIVEN someone calling Cognito directly with the web app's client id, for another's address
    email = email_address("squatter")
    with pytest.raises(ClientError) as refused:
        cognito(settings).sign_up(ClientId=settings.cognito_client_id, Username=email, Password=PASSWORD,
                                  UserAttributes=[{"Name": "email", "Value": email}])
    # THEN Cognito refuses, and the owner of the address can still sign up through the API
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert signup(User(base_url, email)).status_code == 201


def test_a_failed_account_save_leaves_the_address_free(settings, base_url, monkeypatch):
    # GIVEN the account save failing once, after the Cognito user was created
    email = email_address("atomic")
    original = AccountModel.save
    failures = []

    def save_failing_once(self, *args, **kwargs):
        if not failures:
            failures.append(self.user_id)
            raise RuntimeError("DynamoDB is down")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(AccountModel, "save", save_failing_once)
    with pytest.raises(RuntimeError):
        dependencies.accounts().sign_up(email, PASSWORD, TERMS_VERSION)
    monkeypatch.undo()
    # THEN no Cognito user is left for the address
    with pytest.raises(ClientError) as missing:
        cognito(settings).admin_get_user(UserPoolId=settings.cognito_user_pool_id, Username=email)
    assert missing.value.response["Error"]["Code"] == "UserNotFoundException"
    # AND the next sign-up works to the end
    user = User(base_url, email)
    assert signup(user).status_code == 201
    assert user.call("POST", "/auth/confirm", json={"email": email, "code": last_code(email)}).ok
    user.log_in()


def test_an_address_with_a_cognito_user_but_no_account_can_sign_up(settings, base_url):
    # GIVEN a Cognito user of the address without an account item (a half-done sign-up)
    email = email_address("halfdone")
    cognito(settings).admin_create_user(
        UserPoolId=settings.cognito_user_pool_id, Username=email, MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email}])
    # WHEN the address signs up, THEN it is replaced, not "account exists"
    user = User(base_url, email)
    answer = signup(user)
    assert answer.status_code == 201, answer.text
    assert user.call("POST", "/auth/confirm", json={"email": email, "code": last_code(email)}).ok
    user.log_in()
    # AND a pending account with its item is still "account exists"
    again = User(base_url, email_address("pending"))
    assert signup(again).status_code == 201
    repeated = signup(again)
    assert repeated.status_code == 409 and repeated.json()["error"]["code"] == "account_exists"


def test_an_unconfirmed_account_cannot_log_in_until_confirmed(base_url):
    user = User(base_url, email_address("unconfirmed"))
    assert signup(user).status_code == 201
    login = user.call("POST", "/auth/login", json={"email": user.email, "password": PASSWORD})
    assert login.status_code == 403 and login.json()["error"]["code"] == "account_not_confirmed"
    # AND a wrong code does not enable it
    assert user.call("POST", "/auth/confirm", json={"email": user.email, "code": "000000"}).status_code == 400
    login = user.call("POST", "/auth/login", json={"email": user.email, "password": PASSWORD})
    assert login.status_code == 403
    # WHEN the e-mailed code confirms the address, THEN it logs in
    assert user.call("POST", "/auth/confirm", json={"email": user.email, "code": last_code(user.email)}).ok
    user.log_in()
