"""Docker cannot run here, so the LocalStack and `sam local` configuration is checked statically."""

import json
import subprocess

import pytest
import yaml

from flashlab import REPO_ROOT
from flashlab.template import Template

SCRIPTS = sorted((REPO_ROOT / "localstack").rglob("*.sh")) + sorted((REPO_ROOT / "scripts").iterdir())


def test_the_compose_file_parses_and_wires_localstack_to_postgres():
    compose = yaml.safe_load((REPO_ROOT / "localstack/docker-compose.yml").read_text())
    services = compose["services"]
    assert {"localstack", "postgres"} <= set(services)
    assert services["localstack"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert any("ready.d" in volume for volume in services["localstack"]["volumes"])
    assert all(port.startswith("127.0.0.1:") for s in services.values() for port in s.get("ports", []))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_shell_scripts_parse(script):
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_sam_local_env_vars_cover_every_function():
    env = json.loads((REPO_ROOT / "localstack/env.json").read_text())
    functions = Template().functions()
    assert set(functions) <= set(env)
    assert env["Parameters"]["AWS_ENDPOINT_URL"].endswith(":4566")
    for name, spec in functions.items():
        if "DB_SECRET_ARN" in spec.environment:
            assert env[name]["DATABASE_URL"].startswith("postgresql://")
        else:
            assert "DATABASE_URL" not in env[name]


def test_artillery_scenarios_parse_and_have_thresholds():
    for name in ("burst", "sustained"):
        scenario = yaml.safe_load((REPO_ROOT / f"loadtest/{name}.yml").read_text())
        ensure = scenario["config"]["ensure"]
        assert "http.response_time.p99" in ensure["thresholds"][0]
        assert "flashdeal.unexpected_responses" in ensure["conditions"][0]["expression"]
        flow = scenario["scenarios"][0]["flow"]
        assert any("loop" in step for step in flow)  # status polling


def test_sam_local_runs_the_local_stage_with_the_env_vars():
    import tomllib

    config = tomllib.loads((REPO_ROOT / "samconfig.toml").read_text())["default"]["local_start_api"]["parameters"]
    assert config["env_vars"] == "localstack/env.json"
    assert "Stage=local" in config["parameter_overrides"].split()
    assert "UseRdsProxy=false" in config["parameter_overrides"].split()


def test_localstack_gets_an_auth_token_and_the_e2e_run_deploys_the_free_plan_template():
    compose = yaml.safe_load((REPO_ROOT / "localstack/docker-compose.yml").read_text())
    assert "LOCALSTACK_AUTH_TOKEN" in compose["services"]["localstack"]["environment"]
    script = (REPO_ROOT / "localstack/e2e.sh").read_text()
    assert "python -m flashlab.localstack" in script
    assert "Stage=local" in script
    assert "UseRdsProxy=false" in script
    assert "FLASHDEAL_IAM_UNENFORCED=1" in script
