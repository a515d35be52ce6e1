"""Choosing what to launch: a GPU name becomes an instance type and an image to boot."""

from __future__ import annotations

import fnmatch

import pytest

from cmlreport.errors import InputError
from cmlreport.runner.ec2_requests import image_request
from cmlreport.runner.presets import (
    GPU_CHOICES,
    GPU_PRESETS,
    default_image_query,
    instance_type_for,
    instance_types_for,
    newest_image,
    parse_duration,
    subnets_from,
)


@pytest.mark.parametrize(
    ("gpu", "instance_type"),
    [
        ("t4", "g4dn.xlarge"),
        ("a10g", "g5.xlarge"),
        ("l4", "g6.xlarge"),
        ("v100", "p3.2xlarge"),
        ("a100", "p4d.24xlarge"),
        ("h100", "p5.48xlarge"),
        ("none", "m6i.large"),
    ],
)
def test_each_gpu_launches_its_instance_type(gpu, instance_type):
    assert instance_type_for(gpu, None) == instance_type


def test_gpu_names_are_forgiving_about_case_and_spaces():
    assert instance_type_for(" T4 ", None) == "g4dn.xlarge"


def test_instance_type_flag_wins_over_the_preset():
    assert instance_type_for("a10g", "g5.12xlarge") == "g5.12xlarge"
    assert instance_type_for("a10g", "  ") == "g5.xlarge"  # an empty flag means no override


def test_a_malformed_instance_type_names_the_flag():
    with pytest.raises(InputError, match="--instance-type") as err:
        instance_type_for("t4", "g5 xlarge")
    assert "g5.2xlarge" in err.value.message


def test_an_unknown_gpu_names_the_flag_and_lists_every_choice():
    with pytest.raises(InputError) as err:
        instance_type_for("rtx4090", None)
    message = err.value.message
    assert "--gpu" in message and "rtx4090" in message and "\n" not in message
    for choice in GPU_PRESETS:
        assert choice in message
    with pytest.raises(InputError, match="--gpu"):
        default_image_query("rtx4090")


def test_gpu_machines_boot_amazons_deep_learning_base_ami():
    query = default_image_query("t4")
    assert query.owners == ("amazon",)
    assert query.architecture == "x86_64"
    assert fnmatch.fnmatchcase(
        "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) 20240815", query.name_pattern
    )
    # Framework AMIs and the other Ubuntu release are different images.
    assert not fnmatch.fnmatchcase(
        "Deep Learning OSS Nvidia Driver AMI GPU PyTorch 2.3 (Ubuntu 22.04) 20240815",
        query.name_pattern,
    )
    assert not fnmatch.fnmatchcase(
        "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 20.04) 20240815", query.name_pattern
    )
    assert default_image_query("h100") == query


def test_cpu_machines_boot_plain_ubuntu_from_canonical():
    query = default_image_query("none")
    assert query.owners == ("099720109477",)
    assert fnmatch.fnmatchcase(
        "ubuntu/images/hvm-ssd-gp3/ubuntu-jammy-22.04-amd64-server-20240801", query.name_pattern
    )
    assert fnmatch.fnmatchcase(
        "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20230516", query.name_pattern
    )
    assert not fnmatch.fnmatchcase(
        "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-arm64-server-20230516", query.name_pattern
    )


def test_the_query_feeds_describe_images():
    request = image_request(default_image_query("l4"))
    assert request["Owners"] == ["amazon"]
    names = [f["Values"] for f in request["Filters"] if f["Name"] == "name"]
    assert names == [[default_image_query("l4").name_pattern]]


def test_the_newest_image_is_picked_by_creation_date_not_by_order():
    images = [
        {"ImageId": "ami-old", "CreationDate": "2024-03-01T10:00:00.000Z"},
        {"ImageId": "ami-new", "CreationDate": "2024-08-15T09:30:00.000Z"},
        {"ImageId": "ami-mid", "CreationDate": "2024-06-30T23:59:59.000Z"},
    ]
    assert newest_image(images)["ImageId"] == "ami-new"
    assert newest_image(list(reversed(images)))["ImageId"] == "ami-new"


def test_an_image_without_a_creation_date_never_wins():
    images = [{"ImageId": "ami-undated"}, {"ImageId": "ami-dated", "CreationDate": "2020-01-01"}]
    assert newest_image(images)["ImageId"] == "ami-dated"


def test_no_images_means_none():
    assert newest_image([]) is None


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("10m", 600),
        ("6h", 21600),
        ("1h30m", 5400),
        ("1d", 86400),
        ("2h 15m 30s", 8130),
        ("600", 600),
        ("10M", 600),
    ],
)
def test_durations(text, seconds):
    assert parse_duration(text, "--idle-timeout") == seconds


@pytest.mark.parametrize("text", ["", "m", "10x", "1.5h", "-5m", "30m1h", "ten minutes", "h1"])
def test_bad_durations_name_the_flag_and_show_the_format(text):
    with pytest.raises(InputError) as err:
        parse_duration(text, "--max-lifetime")
    assert err.value.message.startswith("--max-lifetime")
    assert "1h30m" in err.value.message


@pytest.mark.parametrize("text", ["0", "0m", "0h0m0s"])
def test_a_zero_duration_is_refused(text):
    with pytest.raises(InputError, match=r"--idle-timeout .* longer than zero"):
        parse_duration(text, "--idle-timeout")


def test_each_gpu_offers_alternatives_with_the_same_gpu_for_when_ec2_has_no_capacity():
    assert GPU_CHOICES["t4"] == ("g4dn.xlarge", "g4dn.2xlarge")
    assert GPU_CHOICES["a10g"] == ("g5.xlarge", "g5.2xlarge")
    for gpu, choices in GPU_CHOICES.items():
        assert choices[0] == GPU_PRESETS[gpu] and len(set(choices)) == len(choices)
    assert instance_types_for("t4", ()) == ("g4dn.xlarge", "g4dn.2xlarge")


def test_instance_types_may_be_comma_separated_and_repeated_and_replace_the_presets():
    given = [" g5.xlarge, g5.2xlarge ,", "g5.xlarge", "g6.xlarge"]
    assert instance_types_for("t4", given) == ("g5.xlarge", "g5.2xlarge", "g6.xlarge")


@pytest.mark.parametrize("bad", ["g5.x\nlarge", "g5.xlarge;reboot", "g5", "G5.XLARGE"])
def test_an_instance_type_that_is_not_one_names_the_flag(bad):
    with pytest.raises(InputError, match="--instance-type") as err:
        instance_types_for("t4", [f"g4dn.xlarge,{bad}"])
    assert "\n" not in err.value.message


def test_too_many_choices_are_refused():
    with pytest.raises(InputError, match="at most 8"):
        instance_types_for("t4", [",".join(f"g5.{n}xlarge" for n in range(2, 11))])
    with pytest.raises(InputError, match="--subnet lists 9 choices"):
        subnets_from([f"subnet-{n:08x}" for n in range(9)])


def test_subnets_are_ids_in_the_order_given():
    assert subnets_from(["subnet-0a1b2c3d,subnet-0123456789abcdef0", "subnet-0a1b2c3d"]) == (
        "subnet-0a1b2c3d",
        "subnet-0123456789abcdef0",
    )
    assert subnets_from([]) == ()
    for bad in ("subnet-12", "sg-0a1b2c3d", "subnet-0a1b\n2c3d", "subnet-0A1B2C3D"):
        with pytest.raises(InputError, match="--subnet"):
            subnets_from([bad])
