"""GitHub's GraphQL endpoint, as far as cmlreport uses it: ``viewer`` (who the token is).

Queries are parsed and validated with graphql-core against the vendored excerpt of GitHub's
schema (``spec/graphql/viewer.graphql``), then executed: a query the excerpt does not cover is
a violation, not a guess. Answers are shaped as GitHub shapes them: 200 with ``data``, or 200
with ``errors`` for a query GitHub would reject.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.fakes.github.routing import Reply

if TYPE_CHECKING:
    import graphql

    from tests.fakes.github.records import Token, User

SCHEMA_PATH = Path(__file__).resolve().parent / "spec" / "graphql" / "viewer.graphql"


@functools.cache
def schema() -> graphql.GraphQLSchema:
    import graphql

    return graphql.build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))


def graphql_path(prefix: str) -> str:
    """Where GitHub serves GraphQL: ``/graphql``, or ``/api/graphql`` beside a GHES
    ``/api/v3`` REST base."""
    base = prefix[: -len("/v3")] if prefix.endswith("/v3") else prefix
    return f"{base}/graphql"


def answer(body: Any, token: Token, user: User, violations: list[str]) -> Reply:
    import graphql

    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        violations.append("POST /graphql: the body is not {query, variables}")
        return Reply(400, {"message": "Problems parsing JSON"})
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        violations.append("POST /graphql: variables is not an object")
    try:
        document = graphql.parse(body["query"])
    except graphql.GraphQLError as error:
        violations.append(f"POST /graphql: the query does not parse: {error.message}")
        return Reply(200, {"errors": [{"message": error.message}]})
    errors = graphql.validate(schema(), document)
    if errors:
        violations.extend(f"POST /graphql: {e.message}" for e in errors)
        return Reply(200, {"errors": [{"message": e.message} for e in errors]})
    # An installation token's viewer is its app's bot (github-actions[bot] for GITHUB_TOKEN).
    viewer = {"login": token.login, "databaseId": user.id}
    result = graphql.execute_sync(
        schema(), document, root_value={"viewer": viewer}, variable_values=variables
    )
    if result.errors:
        return Reply(200, {"errors": [{"message": e.message} for e in result.errors]})
    return Reply(200, {"data": result.data})
