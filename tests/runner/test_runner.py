"""The runner's semantics, through rmmkit.testing's ``run_playbook`` fixture (mock transport)."""

from __future__ import annotations

import threading
import time

import pytest

from rmmkit.declared.models import ResolvedHost
from rmmkit.errors import TemplateError
from rmmkit.results import Status
from rmmkit.run.options import RunOptions, exit_code_for
from rmmkit.run.runner import Runner
from rmmkit.testing import build_playbook

from .helpers import PerSite, hosts


def statuses(result, host):
    return [r.status for r in result.hosts[host].results]


def test_tasks_run_in_order_and_results_keep_host_order(run_playbook):
    pb = {
        "tasks": [{"name": f"t{i}", "action": "t_echo", "args": {"msg": str(i)}} for i in range(4)]
    }
    result = run_playbook(pb, hosts=[f"h{i}" for i in range(30)], forks=7)
    assert list(result.hosts) == [f"h{i}" for i in range(30)]
    for hr in result.hosts.values():
        assert [r.msg for r in hr.results] == ["0", "1", "2", "3"]
        assert all(r.started <= r.ended for r in hr.results)
        starts = [r.started for r in hr.results]
        assert starts == sorted(starts)
    assert result.counts()["ok"] == 120
    assert exit_code_for(result) == 0


def test_exception_becomes_failed_result_with_message(run_playbook):
    pb = {
        "tasks": [
            {"name": "bad", "action": "t_explode", "args": {"msg": "kaputt"}},
            {"name": "after", "action": "noop"},
        ]
    }
    result = run_playbook(pb, hosts=["a"])
    bad, after = result.hosts["a"].results
    assert bad.status is Status.FAILED
    assert bad.msg == "ValueError: kaputt"
    # A failed task does not stop the host (only unreachable does).
    assert after.status is Status.OK
    assert exit_code_for(result) == 2


def test_fail_action_causes_are_reported(run_playbook):
    pb = {"tasks": [{"name": "f", "action": "fail", "args": {"msg": "nope", "causes": ["c1"]}}]}
    result = run_playbook(pb, hosts=["a"])
    r = result.hosts["a"].results[0]
    assert (r.status, r.msg, r.causes) == (Status.FAILED, "nope", ("c1",))


def test_unreachable_host_skips_remaining_tasks(run_playbook, mock_transport):
    mock_transport.host("down", unreachable=True)
    pb = {
        "tasks": [
            {"name": "c1", "action": "t_command", "args": {"cmd": "true"}},
            {"name": "c2", "action": "t_command", "args": {"cmd": "true"}},
            {"name": "n", "action": "noop"},
        ]
    }
    result = run_playbook(pb, hosts=["up", "down"])
    assert statuses(result, "up") == [Status.CHANGED, Status.CHANGED, Status.OK]
    assert statuses(result, "down") == [Status.UNREACHABLE, Status.SKIPPED, Status.SKIPPED]
    first = result.hosts["down"].results[0]
    # Likely causes come from the built-in rmmkit_explain_error implementation.
    assert any("firewall" in c for c in first.causes)
    assert "unreachable" in result.hosts["down"].results[1].msg
    assert result.failed_hosts == ["down"]


def test_auth_failure_is_failed_not_unreachable(run_playbook, mock_transport):
    mock_transport.host("locked", auth_failure=True)
    pb = {
        "tasks": [
            {"name": "c", "action": "t_command", "args": {"cmd": "id"}},
            {"name": "n", "action": "noop"},
        ]
    }
    result = run_playbook(pb, hosts=["locked"])
    assert statuses(result, "locked") == [Status.FAILED, Status.OK]
    assert any("credentials" in c for c in result.hosts["locked"].results[0].causes)


def test_connection_opened_once_per_host_and_closed(run_playbook, mock_transport):
    mock_transport.host("a", commands={"hostname": (0, "a.lab", "")})
    pb = {
        "tasks": [
            {"name": f"c{i}", "action": "t_command", "args": {"cmd": "hostname"}} for i in range(3)
        ]
    }
    result = run_playbook(pb, hosts=["a", "b"])
    assert [r.msg for r in result.hosts["a"].results] == ["a.lab"] * 3
    ops = {h: [c.op for c in mock_transport.calls if c.host == h] for h in ("a", "b")}
    assert ops["a"] == ["open", "run", "run", "run", "close"]
    assert ops["b"] == ["open", "run", "run", "run", "close"]


def test_check_mode_skips_actions_without_check_support(run_playbook):
    pb = {"tasks": [{"name": "change", "action": "t_change"}, {"name": "n", "action": "noop"}]}
    result = run_playbook(pb, hosts=["a"], check=True)
    change, noop = result.hosts["a"].results
    assert change.status is Status.SKIPPED
    assert "does not support check mode" in change.msg and "t_change" in change.msg
    assert noop.status is Status.OK
    assert result.check is True
    normal = run_playbook(pb, hosts=["a"])
    assert normal.hosts["a"].results[0].status is Status.CHANGED


def test_diff_is_passed_to_actions(run_playbook):
    pb = {"tasks": [{"name": "change", "action": "t_change", "args": {"value": "x"}}]}
    with_diff = run_playbook(pb, hosts=["a"], diff=True).hosts["a"].results[0]
    without = run_playbook(pb, hosts=["a"]).hosts["a"].results[0]
    assert with_diff.diff == {"before": "old", "after": "x"}
    assert without.diff is None


def test_when_is_evaluated_per_host_with_host_vars(run_playbook):
    pb = {"tasks": [{"name": "only big", "action": "t_echo", "when": "cpus > 4"}]}
    hs = [{"name": "small", "vars": {"cpus": 2}}, {"name": "big", "vars": {"cpus": 8}}]
    result = run_playbook(pb, hosts=hs)
    assert statuses(result, "small") == [Status.SKIPPED]
    assert "condition is false" in result.hosts["small"].results[0].msg
    assert statuses(result, "big") == [Status.OK]


def test_templated_args_rendered_per_host_with_precedence(run_playbook):
    pb = {
        "vars": {"greeting": "hi", "who": "playbook"},
        "tasks": [
            {
                "name": "e",
                "action": "t_echo",
                "args": {
                    "msg": "{{ greeting }} {{ inventory_hostname }} from {{ who }}",
                    "port": "{{ port }}",
                    "fixed": "plain",
                },
                "vars": {"who": "task"},
            }
        ],
    }
    hs = [{"name": "a", "vars": {"port": 22, "greeting": "host-loses"}}]
    result = run_playbook(pb, hosts=hs, extra_vars={"greeting": "hello"})
    args = result.hosts["a"].results[0].data["args"]
    # -e beats everything, task vars beat playbook vars, playbook vars beat host vars.
    assert args["msg"] == "hello a from task"
    assert args["port"] == 22  # a whole-value expression keeps its native type
    assert args["fixed"] == "plain"


def test_undefined_variable_fails_that_host_only(run_playbook):
    pb = {"tasks": [{"name": "e", "action": "t_echo", "args": {"msg": "{{ only_some }}"}}]}
    result = run_playbook(pb, hosts=[{"name": "with", "vars": {"only_some": "x"}}, "without"])
    assert statuses(result, "with") == [Status.OK]
    r = result.hosts["without"].results[0]
    assert r.status is Status.FAILED and "only_some" in r.msg


def test_template_syntax_error_is_input_error_before_running(rmmkit_session):
    pb = build_playbook({"tasks": [{"name": "e", "action": "t_echo", "args": {"msg": "{{ x "}}]})
    with pytest.raises(TemplateError, match="task 'e'"):
        Runner(rmmkit_session, pb, [ResolvedHost("a", "127.0.0.1")])


def test_set_fact_is_visible_to_later_tasks_of_that_host_only(run_playbook):
    pb = {
        "tasks": [
            {
                "name": "s",
                "action": "set_fact",
                "args": {"role": "{{ inventory_hostname }}-db"},
                "when": "inventory_hostname == 'a'",
            },
            {"name": "e", "action": "t_echo", "args": {"msg": "{{ role | default('none') }}"}},
        ]
    }
    result = run_playbook(pb, hosts=["a", "b"])
    assert result.hosts["a"].results[1].msg == "a-db"
    assert result.hosts["b"].results[1].msg == "none"


@pytest.mark.parametrize(
    ("tags", "skip", "expected"),
    [
        ([], [], ["plain", "tagged", "always"]),
        (["x"], [], ["tagged", "always"]),
        (["all"], ["x"], ["plain", "always"]),
        (["nothing"], ["always"], []),
    ],
)
def test_tags_and_skip_tags(run_playbook, tags, skip, expected):
    pb = {
        "tasks": [
            {"name": "plain", "action": "noop"},
            {"name": "tagged", "action": "noop", "tags": ["x"]},
            {"name": "always", "action": "noop", "tags": ["always"]},
        ]
    }
    result = run_playbook(pb, hosts=["a"], tags=tags, skip_tags=skip)
    ran = [r.task for r in result.hosts["a"].results] if "a" in result.hosts else []
    assert ran == expected


def test_limit_by_name_glob_site_group_and_address(run_playbook):
    pb = {"tasks": [{"name": "n", "action": "noop"}]}
    hs = [
        {"name": "web1", "site": "hq"},
        {"name": "web2", "site": "branch"},
        {"name": "db1", "site": "hq", "groups": ("databases",)},
        {"name": "printer", "site": "branch", "address": "127.0.9.9"},
    ]

    def ran(limit):
        return sorted(run_playbook(pb, hosts=hs, limit=limit).hosts)

    assert ran(["web*"]) == ["web1", "web2"]
    assert ran(["hq"]) == ["db1", "web1"]
    assert ran(["databases", "127.0.9.9"]) == ["db1", "printer"]
    assert ran(["nomatch"]) == []
    assert ran(["hq", "!db1"]) == ["web1"]
    assert ran(["127.0.9.0/24"]) == ["printer"]


def test_per_site_action_runs_once_per_targeted_site(run_playbook):
    pb = {
        "targets": {"sites": ["hq", "branch", "empty"]},
        "tasks": [{"name": "scan", "action": "t_site"}, {"name": "n", "action": "noop"}],
    }
    hs = [*hosts(3, site="hq"), ResolvedHost("b1", "127.0.2.1", site="branch")]
    result = run_playbook(pb, hosts=hs)
    assert sorted(PerSite.seen) == ["branch", "empty", "hq"]
    for site in ("hq", "branch", "empty"):
        assert [r.task for r in result.hosts[site].results] == ["scan"]
    for h in ("h0", "h1", "h2", "b1"):
        assert [r.task for r in result.hosts[h].results] == ["n"]
    PerSite.seen = []
    run_playbook(pb, hosts=hs, limit=["branch"])
    assert PerSite.seen == ["branch"]


def test_action_returning_wrong_type_fails_clearly(run_playbook):
    result = run_playbook({"tasks": [{"name": "w", "action": "t_wrong"}]}, hosts=["a"])
    r = result.hosts["a"].results[0]
    assert r.status is Status.FAILED and "not an Outcome" in r.msg


def test_host_timeout_fails_host_and_skips_rest_without_waiting(run_playbook):
    pb = {
        "tasks": [
            {"name": "slow", "action": "t_sleep", "args": {"seconds": 3}},
            {"name": "after", "action": "noop"},
        ]
    }
    hs = ["slow", {"name": "fast", "vars": {}}]
    t0 = time.monotonic()
    result = run_playbook(
        {
            **pb,
            "tasks": [{**pb["tasks"][0], "when": "inventory_hostname == 'slow'"}, pb["tasks"][1]],
        },
        hosts=hs,
        timeout=0.5,
        watchdog_interval=0.05,
    )
    elapsed = time.monotonic() - t0
    assert elapsed < 2.5, "the runner waited for the hung task"
    assert statuses(result, "slow") == [Status.FAILED, Status.SKIPPED]
    assert "timed out after 0.5 s" in result.hosts["slow"].results[0].msg
    assert statuses(result, "fast") == [Status.SKIPPED, Status.OK]


def test_stop_finishes_running_tasks_and_marks_interrupted(rmmkit_session):
    pb = build_playbook(
        {
            "tasks": [
                {"name": "s1", "action": "t_sleep", "args": {"seconds": 0.3}},
                {"name": "s2", "action": "t_sleep", "args": {"seconds": 0.3}},
            ]
        }
    )
    runner = Runner(rmmkit_session, pb, hosts(20), RunOptions(forks=2, watchdog_interval=0.05))
    threading.Timer(0.15, runner.stop).start()
    result = runner.run()
    assert result.interrupted and exit_code_for(result) == 130
    # Only the two hosts that were running got results: s1 finished, s2 skipped.
    assert sorted(result.hosts) == ["h0", "h1"]
    for hr in result.hosts.values():
        assert [r.status for r in hr.results] == [Status.OK, Status.SKIPPED]
        assert hr.results[1].msg == "run interrupted"


def test_forks_bound_concurrency(rmmkit_session):
    active, peak, lock = [0], [0], threading.Lock()

    class Probe:
        from rmmkit.plugin.spec import hookimpl

        @hookimpl
        def rmmkit_task_result(self, result):
            pass

    from rmmkit.actions.base import Action
    from rmmkit.results import Outcome

    class Count(Action):
        name = "count"

        def run(self, ctx, args):
            with lock:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
            time.sleep(0.02)
            with lock:
                active[0] -= 1
            return Outcome()

    rmmkit_session._actions["count"] = Count()
    rmmkit_session.plugins.pm.register(Probe())
    pb = build_playbook({"tasks": [{"name": "c", "action": "count"}]})
    result = Runner(rmmkit_session, pb, hosts(24), RunOptions(forks=4)).run()
    assert result.counts()["ok"] == 24
    assert peak[0] == 4


def test_task_timeout_fails_that_task_and_skips_the_rest(run_playbook):
    pb = {
        "tasks": [
            {"name": "slow", "action": "t_sleep", "args": {"seconds": 2}, "timeout": 0.2},
            {"name": "after", "action": "noop"},
        ]
    }
    t0 = time.monotonic()
    result = run_playbook(pb, hosts=["a"], watchdog_interval=0.05)
    assert time.monotonic() - t0 < 1.5
    slow, after = result.hosts["a"].results
    assert (slow.status, slow.msg) == (Status.FAILED, "task timed out after 0.2 s")
    assert after.status is Status.SKIPPED


def test_debug_shows_message_or_variable(run_playbook):
    pb = {
        "tasks": [
            {"name": "m", "action": "debug", "args": {"msg": "at {{ site }}"}},
            {"name": "v", "action": "debug", "args": {"var": "owner"}},
        ]
    }
    result = run_playbook(pb, hosts=[{"name": "a", "site": "hq", "vars": {"owner": "ops"}}])
    m, v = result.hosts["a"].results
    assert m.msg == "at hq"
    assert (v.msg, v.data) == ("owner = 'ops'", {"owner": "ops"})


def test_hosts_found_by_a_per_site_task_get_the_following_tasks(rmmkit_session):
    pb = build_playbook(
        {
            "targets": {"sites": ["hq"]},
            "tasks": [{"name": "scan", "action": "t_site"}, {"name": "after", "action": "noop"}],
        }
    )
    found = hosts(2, site="hq")
    runner = Runner(rmmkit_session, pb, [], RunOptions(), refresh_hosts=lambda: found)
    result = runner.run()
    assert [r.task for r in result.hosts["hq"].results] == ["scan"]
    assert sorted(h for h in result.hosts if h != "hq") == ["h0", "h1"]
    assert all([r.task for r in result.hosts[h].results] == ["after"] for h in ("h0", "h1"))


def test_timed_out_host_is_skipped_in_later_segments(run_playbook):
    pb = {
        "targets": {"sites": ["hq"]},
        "tasks": [
            {"name": "slow", "action": "t_sleep", "args": {"seconds": 1.5}},
            {"name": "scan", "action": "t_site"},
            {"name": "after", "action": "noop"},
        ],
    }
    result = run_playbook(
        pb, hosts=[{"name": "a", "site": "hq"}], timeout=0.3, watchdog_interval=0.05
    )
    assert statuses(result, "a") == [Status.FAILED, Status.SKIPPED]
    assert result.hosts["a"].results[1].msg == "host timed out earlier in this run"


def test_registered_secret_values_are_masked_in_failure_messages(run_playbook):
    from rmmkit.logs import register_sensitive

    register_sensitive("s3cr3t-Pa55word")
    pb = {
        "tasks": [
            {
                "name": "leak",
                "action": "t_explode",
                "args": {"msg": "login failed for admin:s3cr3t-Pa55word@db"},
            }
        ]
    }
    r = run_playbook(pb, hosts=["a"]).hosts["a"].results[0]
    assert r.status is Status.FAILED
    assert "s3cr3t" not in r.msg and "admin:***@db" in r.msg


def test_builtin_vars_have_the_lowest_precedence_as_in_resolve(run_playbook):
    # docs/schema.md: built-ins are the lowest layer, the same as rmmkit.declared.resolve.task_vars.
    pb = {
        "vars": {"address": "from-playbook"},
        "tasks": [
            {
                "name": "e",
                "action": "t_echo",
                "args": {"msg": "{{ site }} {{ address }} {{ check_mode }} {{ run_id | length }}"},
            }
        ],
    }
    result = run_playbook(pb, hosts=[{"name": "a", "vars": {"site": "from-host"}}])
    msg = result.hosts["a"].results[0].data["args"]["msg"]
    site, address, check_mode, run_id_length = msg.split()
    assert (site, address, check_mode) == ("from-host", "from-playbook", "False")
    assert int(run_id_length) > 0
