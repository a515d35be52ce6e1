"""GitHub's GraphQL endpoint, as far as cmlreport uses it: who the token is, the comments of an
issue or pull request, and ``minimizeComment``.

Queries are parsed and validated with graphql-core against the vendored excerpt of GitHub's
schema (``spec/graphql/excerpt.graphql``), then executed against the fake's state
(``graphql_comments``): a query the excerpt does not cover is a violation, not a guess.
Answers are shaped as GitHub shapes them: 200 with ``data``, or 200 with ``errors`` (each with
GitHub's ``type``, ``path`` and ``locations``) for a query GitHub would reject.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.fakes.github import graphql_statuses
from tests.fakes.github.graphql_comments import RESOLVERS, Context
from tests.fakes.github.routing import Reply

if TYPE_CHECKING:
    import graphql

SCHEMA_PATH = Path(__file__).resolve().parent / "spec" / "graphql" / "excerpt.graphql"


@functools.cache
def schema() -> graphql.GraphQLSchema:
    import graphql

    built = graphql.build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))
    for (type_name, field_name), resolve in {**RESOLVERS, **graphql_statuses.RESOLVERS}.items():
        owner = built.get_type(type_name)
        assert isinstance(owner, graphql.GraphQLObjectType), type_name
        owner.fields[field_name].resolve = resolve
    return built


def graphql_path(prefix: str) -> str:
    """Where GitHub serves GraphQL: ``/graphql``, or ``/api/graphql`` beside a GHES
    ``/api/v3`` REST base."""
    base = prefix[: -len("/v3")] if prefix.endswith("/v3") else prefix
    return f"{base}/graphql"


def answer(body: Any, context: Context) -> Reply:
    import graphql

    violations = context.violations
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        violations.append("POST /graphql: the body is not {query, variables}")
        return Reply(400, {"message": "Problems parsing JSON"})
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        violations.append("POST /graphql: variables is not an object")
        variables = None
    try:
        document = graphql.parse(body["query"])
    except graphql.GraphQLError as error:
        violations.append(f"POST /graphql: the query does not parse: {error.message}")
        return Reply(200, {"errors": [{"message": error.message}]})
    errors = graphql.validate(schema(), document)
    if errors:
        violations.extend(f"POST /graphql: {e.message}" for e in errors)
        return Reply(200, {"errors": [{"message": e.message} for e in errors]})
    result = graphql.execute_sync(
        schema(), document, context_value=context, variable_values=variables
    )
    if result.errors:
        unexpected = [e for e in result.errors if not (e.extensions or {}).get("type")]
        # An error without GitHub's type is a resolver crashing: a bug in the fake.
        violations.extend(f"fake GitHub GraphQL crashed: {e.message}" for e in unexpected)
        return Reply(200, {"data": result.data, "errors": [_error(e) for e in result.errors]})
    return Reply(200, {"data": result.data})


def _error(error: graphql.GraphQLError) -> dict[str, Any]:
    shaped: dict[str, Any] = {"message": error.message}
    kind = (error.extensions or {}).get("type")
    if kind:
        shaped["type"] = kind
    if error.path:
        shaped["path"] = list(error.path)
    if error.locations:
        shaped["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    return shaped
