"""The rights lint: every query on pages, spaces or a page-scoped table starts from a rights statement.

Modelled on polar's `server/scripts/linters/org_scope.py`: an AST walk over `app/` that reports what a
reviewer would otherwise have to notice. A `select(...)` (or `session.query(...)`) whose statement names
one of SCOPED_MODELS must, in the same statement, either

- start from or filter by a builder of `app/auth/rights.py` or `app/pages/access.py` (BUILDERS), or by a function or variable
  built from one (found here: `stale_pages`, `pages_on_topic`, `readable = readable_pages(...)` ...), or
- be keyed to one object the code already holds (`Rating.page_id == page.id`: page, revision or space
  keys on both sides): the page came through the `ReadablePage` / `WritablePage` dependencies or a
  builder, so its rows are the caller's to see;

"Statement" means the query's own SQL expression: its method chain and any query it is a subquery or a
condition of, not the Python around it (a dict of two queries is two queries). `session.get(Page, id)`
is not a query here: the load-or-404 dependencies use it and then ask `right_in_space`.

or sit in a module or function of ALLOWED, each with the reason it may. Two more rules:
`readable_space_clause` (the builders' core) is used only in rights.py, and `all_live_pages` /
`live_page_filter` ("every page, whoever may read it") only in STORE_MODULES, the derived stores.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

# Tables whose rows belong to a page or a space (a row shows what the page says, or that it exists).
SCOPED_MODELS = {
    "Page": "page", "Space": "space", "Revision": "revision", "PageAlias": "page_alias",
    "PageCategory": "page_category", "PageLink": "page_link", "PageAnnotation": "annotation",
    "Rating": "rating", "PageMaturity": "page_maturity", "MaturitySnapshot": "maturity_snapshot",
    "Approval": "approval", "PageView": "page_view", "PageTag": "page_tag", "Bookmark": "bookmark",
    "PersonTag": "person_tag (evidence_page_id)", "ImportedRevision": "imported_revision",
    "Change": "change_log", "Webhook": "webhook (space-scoped hooks)", "ReviewItem": "review_item",
    "ClientUse": "client_use",
}
# Tables with a page, revision or space column that are not about what a page says (checked by a test).
NOT_SCOPED = {
    "SpaceMembership": "membership management: who is in a space, shown to those who may read it "
                       "(space_service checks right_in_space first); it is the rule's own input",
}
BUILDERS = {"readable_pages", "readable_spaces", "readable_space_ids", "readable_page_filter",
            "readable_space_filter", "visible_webhook_filter", "all_live_pages", "live_page_filter"}
EVERY_PAGE = {"all_live_pages", "live_page_filter"}
# Methods and functions that build a statement from their arguments (a builder's filter in `.where(...)`).
COMPOSERS = {"select", "where", "filter", "join", "outerjoin", "select_from", "having", "union", "union_all",
             "intersect", "except_", "exists", "subquery", "scalar_subquery", "cte"}
# SQL constructs a query may sit inside as a subquery or condition (the query is then part of theirs).
SQL_CALLS = COMPOSERS | {"in_", "not_in", "and_", "or_", "not_", "label", "correlate", "coalesce", "case",
                         "any_", "all_", "lateral", "alias", "is_not", "is_"}
CORE = "readable_space_clause"
IN_HAND_KEYS = {"id", "page_id", "revision_id", "current_revision_id", "space_id"}

# The derived stores keep every page and apply the rule when they answer.
STORE_MODULES = {
    "app/search/documents.py": "builds the search index from every live page",
    "app/search/indexer.py": "rebuilds the search index",
    "app/log_reach.py": "which pages a logged change reaches, for the search index and the SPARQL store",
    "app/linkeddata/store.py": "the SPARQL store keeps every page's graph; the endpoint picks the readable ones",
    "app/linkeddata/export.py": "page facts for the store and for dumps (a dump asks readable_pages)",
    "app/linkeddata/dump.py": "`mature dump --all`, an operator's backup (HTTP dumps ask readable_pages)",
}

# Why a query may skip the builders -> the modules (ending in .py or /) and module:functions that may.
ALLOWED: dict[str, tuple[str, ...]] = {
    "the rule itself: the builders and right_in_space": ("app/auth/rights.py", "app/pages/access.py"),
    "operator tools and loaders, run from the command line; they answer no caller (demo data, "
    "recompute, a MediaWiki import into the space its route checked for Right.edit)": (
        "app/cli.py", "app/demo/", "app/quality/demo.py", "app/tagging/demo.py", "app/people/demo.py",
        "app/wikiimport/importer.py"),
    "derived stores that follow the change log and keep every page; their answers apply the rule "
    "(the index filters by readable spaces, SPARQL by readable graphs, webhooks by webhook_may_receive, "
    "feeds by FeedScope)": (
        "app/search/documents.py", "app/search/indexer.py",
        "app/linkeddata/export.py:page_facts", "app/linkeddata/export.py:_tagged_topics",
        "app/following/dispatch.py", "app/following/events.py", "app/following/feed.py:event_reads"),
    "batch helpers over pages, revisions or rows the caller already holds through a builder or "
    "ReadablePage (they take ids or objects, never a caller's filter)": (
        "app/pages/presentation.py:page_list_items", "app/pages/links.py:link_keys",
        "app/annotations/service.py:statements_of", "app/annotations/service.py:structured_inputs",
        "app/annotations/service.py:copy", "app/tagging/page_tags.py:annotated_topic_ids",
        "app/tagging/page_tags.py:tag_counts", "app/tagging/page_tags.py:_my_tags",
        "app/quality/service.py:authors_of", "app/quality/service.py:current_rating",
        "app/quality/service.py:live_approval", "app/quality/router.py:maturity_history",
        "app/quality/overview.py:_rating_stats", "app/quality/overview.py:queue",
        "app/quality/reviews.py:item_reads",
        "app/people/experts.py:_pages_by_author", "app/following/service.py:followed_keys",
        "app/tagging/bookmarks.py:_refuse_duplicate"),
    "writes and consequences of a write the route authorised (titles free in the target space, the "
    "page row lock, maturity of the saved page, page views of a page just read)": (
        "app/auth/space_service.py:create_space", "app/pages/service.py:lock", "app/pages/links.py:resolve",
        "app/quality/scoring.py:_backlink_count", "app/quality/usage.py:add_views"),
    "one space the caller may read, checked by the route (wanted pages of a space)": (
        "app/pages/links.py:wanted_pages",),
    "a condition added to a review queue's statement, which QUEUES builds from readable_pages (resolved "
    "reviews keep pages out of their queue)": ("app/quality/overview.py:queue_pages",),
    "person tags: what people know, shown to everyone signed in (evidence pages go through "
    "people.service.readable_pages)": (
        "app/people/experts.py:_tag_facts", "app/people/expertise.py:expertise_of", "app/people/service.py:current_tag",
        "app/people/tag_scores.py", "app/people/profile.py:profile", "app/people/service.py:tags_about",
        "app/people/topic_uses.py", "app/reports/report.py:_tags"),
    "the caller's own rows (their personal space, the pages they wrote or rated: automatic follows, shown "
    "only through following.service._visible)": (
        "app/auth/service.py:personal_space_id", "app/following/service.py:contributed_pages"),
    "the link checker: visits every bookmark's URL in the background, answers no caller": (
        "app/tagging/linkcheck.py:check_bookmarks",),
}


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    function: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} in {self.function}: {self.message}"


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _is_query(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and (
        (isinstance(node.func, ast.Name) and node.func.id == "select")
        or (isinstance(node.func, ast.Attribute) and node.func.attr in ("select", "query")
            and not (isinstance(node.func.value, ast.Name) and node.func.value.id == "sqlalchemy")))


_FACTS: dict[ast.AST, tuple[frozenset[str], frozenset[str]]] = {}


def _facts(node: ast.AST) -> tuple[frozenset[str], frozenset[str]]:
    """The names used and the functions called anywhere under the node (each node worked out once)."""
    found = _FACTS.get(node)
    if found is None:
        names = {node.id} if isinstance(node, ast.Name) else set()
        calls = {name} if isinstance(node, ast.Call) and (name := _called_name(node)) else set()
        for child in ast.iter_child_nodes(node):
            child_names, child_calls = _facts(child)
            names |= child_names
            calls |= child_calls
        found = _FACTS[node] = (frozenset(names), frozenset(calls))
    return found


def _names(node: ast.AST) -> frozenset[str]:
    return _facts(node)[0]


def _calls(node: ast.AST) -> frozenset[str]:
    return _facts(node)[1]


def _keyed_in_hand(node: ast.AST) -> bool:
    """A comparison `Model.page_id == held.id` (page, revision or space keys on both sides): rows of one
    object the code already holds."""
    for compare in (n for n in ast.walk(node) if isinstance(n, ast.Compare)):
        sides = [compare.left, *compare.comparators]
        if not all(isinstance(op, ast.Eq) for op in compare.ops) or len(sides) != 2:
            continue
        model = [s for s in sides if isinstance(s, ast.Attribute) and isinstance(s.value, ast.Name)
                 and s.value.id in SCOPED_MODELS and s.attr in IN_HAND_KEYS]
        held = [s for s in sides if isinstance(s, ast.Attribute) and isinstance(s.value, ast.Name)
                and s.value.id not in SCOPED_MODELS and s.value.id[:1].islower() and s.attr in IN_HAND_KEYS]
        if model and held:
            return True
    return False


class _Module:
    """One parsed file: its statements, parents and enclosing functions."""

    def __init__(self, path: str, source: str) -> None:
        self.path = path
        self.tree = ast.parse(source)
        self.parent: dict[ast.AST, ast.AST] = {}
        self.functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        self.calls: list[ast.Call] = []
        self._visit(self.tree)

    def _visit(self, node: ast.AST) -> tuple[frozenset[str], frozenset[str]]:
        """One pass: parents, functions, calls, and the names and calls under every node (see `_facts`)."""
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.functions.append(node)
        names = {node.id} if isinstance(node, ast.Name) else set()
        calls = set()
        if isinstance(node, ast.Call):
            self.calls.append(node)
            if name := _called_name(node):
                calls.add(name)
        for child in ast.iter_child_nodes(node):
            self.parent[child] = node
            child_names, child_calls = self._visit(child)
            names |= child_names
            calls |= child_calls
        found = _FACTS[node] = (frozenset(names), frozenset(calls))
        return found

    def statement(self, node: ast.AST) -> ast.AST:
        """The simple statement holding the node, or the header expression of a compound one (if, for ...)."""
        while node in self.parent:
            parent = self.parent[node]
            if isinstance(parent, ast.stmt):
                simple = isinstance(parent, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Return, ast.Expr))
                return parent if simple else node
            node = parent
        return node

    def query_expression(self, node: ast.AST, builders: set[str] = BUILDERS) -> ast.AST:
        """The outermost SQL expression the query is part of: its method chain, and any statement it is a
        subquery or condition of (`readable_pages(u).where(Page.id.in_(select(...)))`); not the Python
        around it (`session.execute(...)`, a dict of several queries)."""
        top = node
        while True:
            parent = self.parent.get(top)
            if parent is None or isinstance(parent, ast.stmt):
                return top
            if isinstance(parent, ast.Attribute) or (isinstance(parent, ast.Call) and parent.func is top):
                top = parent
            elif isinstance(parent, ast.Call) and (_called_name(parent) in SQL_CALLS or _called_name(parent) in builders):
                top = parent
            elif isinstance(parent, (ast.BoolOp, ast.Compare, ast.UnaryOp, ast.BinOp, ast.keyword, ast.Starred,
                                     ast.Subscript)):
                top = parent
            else:
                return top

    def function(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        while node in self.parent:
            node = self.parent[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return node
        return None


def _statement_from(node: ast.AST, builders: set[str], scoped: set[str]) -> bool:
    """Whether the expression is a statement built from a builder: `readable_pages(u).where(...)`,
    `overview.stale_pages(u)`, a variable holding one, or either branch of `a if c else b` being one."""
    while True:
        if isinstance(node, ast.IfExp):
            return _statement_from(node.body, builders, scoped) and _statement_from(node.orelse, builders, scoped)
        if isinstance(node, ast.Call):
            if _called_name(node) in builders:
                return True
            arguments = [*node.args, *(k.value for k in node.keywords)]
            composing = _called_name(node) in COMPOSERS
            if composing and any(_calls(a) & builders or _names(a) & scoped for a in arguments):
                return True  # `.where(readable_page_filter(...))`, `union(scoped, scoped)`
            if not isinstance(node.func, ast.Attribute):
                return False
            node = node.func.value  # a method of the statement (.where, .join ...): look at what it is called on
        elif isinstance(node, ast.Attribute):
            node = node.value
        else:
            return isinstance(node, ast.Name) and node.id in scoped


def _derived_builders(modules: list[_Module]) -> set[str]:
    """Functions that return a statement built from a builder (or from such a function), to a fixpoint."""
    builders = set(BUILDERS)
    changed = True
    while changed:
        changed = False
        for module in modules:
            for func in module.functions:
                if func.name in builders or not _calls(func) & builders:
                    continue
                scoped = _scoped_variables(func, builders)
                for ret in _statements(func, ast.Return):
                    if ret.value is not None and _statement_from(ret.value, builders, scoped):
                        builders.add(func.name)
                        changed = True
                        break
    return builders


_STATEMENTS: dict[ast.AST, list[ast.stmt]] = {}


def _statements(func: ast.AST, kind: type | tuple[type, ...] = ast.stmt) -> list:
    if func not in _STATEMENTS:
        _STATEMENTS[func] = [n for n in ast.walk(func) if isinstance(n, ast.stmt)]  # once per function
    return [n for n in _STATEMENTS[func] if isinstance(n, kind)]


def _assigned(node: ast.AST) -> set[str]:
    if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
        return set()
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return {t.id for target in targets for t in ast.walk(target) if isinstance(t, ast.Name)}


def _scoped_variables(func: ast.AST, builders: set[str]) -> set[str]:
    """Names assigned (in this function) a statement built from a builder."""
    scoped: set[str] = set()
    if not _calls(func) & builders:
        return scoped
    for node in _statements(func, (ast.Assign, ast.AnnAssign)):
        names = _assigned(node)
        if names and _statement_from(node.value, builders, scoped):  # type: ignore[attr-defined]
            scoped |= names
    return scoped


def _narrowing_variables(module: _Module, func: ast.AST, builders: set[str], scoped: set[str]) -> set[str]:
    """Names (subqueries, conditions) read only inside queries that start from a builder: they narrow it."""
    inside: set[str] = set()
    outside: set[str] = set()
    if not _calls(func) & builders:
        return inside
    for node in ast.walk(func):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            query = module.query_expression(node, builders)
            if _calls(query) & builders or (_names(query) - {node.id}) & scoped:
                inside.add(node.id)
            else:
                outside.add(node.id)
    return inside - outside


def excused(violation: Violation, allowed: dict[str, tuple[str, ...]] | None = None) -> str | None:
    """The allow-list entry that excuses the violation, if any."""
    for keys in (ALLOWED if allowed is None else allowed).values():
        for key in keys:
            if (key.endswith("/") and violation.path.startswith(key)) or \
                    key in (violation.path, f"{violation.path}:{violation.function}"):
                return key
    return None


def check(modules: list[_Module], allowed: dict[str, tuple[str, ...]] | None = None) -> Iterator[Violation]:
    """Every query, builder use and core use of these modules that breaks the rule (and is not excused by
    `allowed`, ALLOWED by default; pass {} to see every query the allow-list excuses)."""
    builders = _derived_builders(modules)
    for module in modules:
        scoped_by_function: dict[ast.AST | None, set[str]] = {}
        for node in module.calls:
            func = module.function(node)
            function = func.name if func is not None else "<module>"
            name = _called_name(node)
            if name == CORE and module.path != "app/auth/rights.py" and not isinstance(node.func, ast.Attribute):
                yield Violation(module.path, node.lineno, function,
                                f"{CORE} assembles the rights join by hand; start from readable_pages / "
                                "readable_spaces or filter with readable_page_filter / readable_space_filter")
                continue
            if name in EVERY_PAGE and module.path not in {*STORE_MODULES, "app/pages/access.py"}:
                yield Violation(module.path, node.lineno, function,
                                f"{name} is every page, whoever may read it: only the derived stores "
                                f"({', '.join(sorted(STORE_MODULES))}) ask for it; a caller's query starts "
                                "from readable_pages(user)")
                continue
            if not _is_query(node):
                continue
            query = module.query_expression(node, builders)
            touched = sorted(_names(query) & set(SCOPED_MODELS))
            if not touched:
                continue
            if func not in scoped_by_function:
                scoped = _scoped_variables(func, builders) if func is not None else set()
                narrowing = _narrowing_variables(module, func, builders, scoped) if func is not None else set()
                scoped_by_function[func] = scoped | narrowing
            statement = module.parent.get(query)
            assigned = _assigned(statement) if statement is not None and getattr(statement, "value", None) is query \
                else set()
            if _calls(query) & builders or (_names(query) | assigned) & scoped_by_function[func]:
                continue
            if _keyed_in_hand(query):
                continue
            tables = ", ".join(SCOPED_MODELS[m] for m in touched)
            violation = Violation(module.path, node.lineno, function,
                            f"a query on {tables} that does not start from a rights statement: use "
                            "readable_pages(user) / readable_spaces(user), or filter with "
                            "readable_page_filter(user, Model.page_id) / readable_space_filter(user, "
                            "Model.space_id); if the rows are not the caller's to filter, add the function "
                            "to ALLOWED in tests/security/rights_lint.py with the reason")
            if excused(violation, allowed) is None:
                yield violation


def check_source(path: str, source: str) -> list[Violation]:
    return list(check([_Module(path, source)]))


@functools.cache
def _app_modules(root: Path) -> tuple[_Module, ...]:
    return tuple(_Module(str(p.relative_to(root.parent)), p.read_text()) for p in sorted(root.rglob("*.py")))


def check_app(root: Path = APP, allowed: dict[str, tuple[str, ...]] | None = None) -> list[Violation]:
    return list(check(list(_app_modules(root)), allowed))
