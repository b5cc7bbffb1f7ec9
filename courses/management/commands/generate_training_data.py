"""Generate a province's worth of mandatory-training data, for measuring the compliance report.

``manage.py generate_training_data --people 100000 --units 2000 --requirements 5 --seed 1`` builds,
in one transaction and in bulk (tree paths computed here, not ``add_child`` one node at a time):

- a province (code ``--prefix``, default ``GEN``) → communes (each with a few divisions) and provincial
  agencies (with their offices, centres and schools, some with sub-units of their own): ``--units`` units
  on up to four levels;
- ``--people`` civil servants spread over the units (communes about 80 people each with their divisions,
  the rest over the agencies), one manager per unit (two for the province and its direct units);
- ``--requirements`` training requirements for the whole province on one course, with due dates from four
  months ago to three months ahead;
- one current assignment per person and requirement (about ``people × requirements``) with a realistic mix:
  completed, in progress, not started, overdue, some exempt, a few cancelled, some due dates extended, and
  an earlier cycle for part of the first requirement (history, not current). ``unit_path`` is copied from
  the person's unit, as the training services do.

It writes realistic-looking personal data, so it refuses to run unless ``DEMO_DATA_ALLOWED`` is set or
``--force`` is given. Run twice, it notices the province (by its code) and does nothing.
"""

import datetime
import random
import time

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from wagtail.models import Site

from accounts import roles
from accounts.models import OrganisationUnit, User
from core.localtime import local_today
from courses.models import Assignment, CourseIndexPage, CoursePage, TrainingRequirement

BATCH = 5000

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
FAMILY += ["Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quang", "Thu", "Hoài", "Xuân", "Kim"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Hương", "Khánh", "Lan", "Linh"]
GIVEN += ["Long", "Mai", "Nam", "Nga", "Phong", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Việt", "Yến"]
GIVEN += ["Đạt", "Đông", "Hiền", "Huy", "Loan", "Nhung", "Oanh", "Thắng", "Thủy", "Vân"]
POSITIONS = ["Chuyên viên", "Chuyên viên chính", "Cán sự", "Phó trưởng phòng", "Trưởng phòng", "Kế toán", "Văn thư"]
AGENCIES = [
    "Sở Nội vụ",
    "Sở Tài chính",
    "Sở Y tế",
    "Sở Giáo dục và Đào tạo",
    "Sở Khoa học và Công nghệ",
    "Sở Tư pháp",
    "Sở Công Thương",
    "Sở Nông nghiệp và Môi trường",
    "Sở Xây dựng",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Văn phòng UBND tỉnh",
    "Thanh tra tỉnh",
    "Sở Ngoại vụ",
    "Sở Dân tộc và Tôn giáo",
    "Ban Quản lý các khu công nghiệp",
    "Đài Phát thanh và Truyền hình",
    "Trường Chính trị tỉnh",
    "Ban Quản lý dự án đầu tư xây dựng",
    "Trung tâm Xúc tiến đầu tư",
    "Văn phòng Đoàn đại biểu Quốc hội và HĐND tỉnh",
]
AGENCY_SUBUNITS = ["Phòng", "Trung tâm", "Trường", "Chi cục", "Ban"]
COMMUNE_DIVISIONS = [
    "Văn phòng HĐND và UBND",
    "Phòng Kinh tế",
    "Phòng Văn hóa - Xã hội",
    "Trung tâm Phục vụ hành chính công",
]
REQUIREMENTS = [
    # name, due date offset from today (days), share completed
    ("An toàn thông tin cơ bản", -120, 0.85),
    ("Chuyển đổi số trong cơ quan nhà nước", -30, 0.7),
    ("Dịch vụ công trực tuyến", -5, 0.55),
    ("Bảo vệ dữ liệu cá nhân", 30, 0.35),
    ("Kỹ năng số cho cán bộ, công chức", 90, 0.15),
]


class Command(BaseCommand):
    help = "Generate units, civil servants, training requirements and assignments in bulk (for benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=100_000)
        parser.add_argument("--units", type=int, default=2_000)
        parser.add_argument("--requirements", type=int, default=5)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--prefix", default="GEN", help="Code of the generated province; prefix of every code.")
        parser.add_argument("--force", action="store_true", help="Run even where DEMO_DATA_ALLOWED is not set.")

    def handle(self, *args, **options):
        if not (getattr(settings, "DEMO_DATA_ALLOWED", False) or options["force"]):
            raise CommandError(
                "This writes thousands of made-up people: it runs only where DEMO_DATA_ALLOWED is set, or with --force."
            )
        people, units, requirements = options["people"], options["units"], options["requirements"]
        if people < 1 or units < 1 or requirements < 1:
            raise CommandError("--people, --units and --requirements must be at least 1.")
        prefix = options["prefix"]
        if OrganisationUnit.objects.filter(code=prefix).exists():
            self.stdout.write(f"Province {prefix} already exists: nothing to do.")
            return
        started = time.monotonic()
        with transaction.atomic():
            rng = random.Random(options["seed"])  # noqa: S311 (made-up data, not secrets)
            counts = Generator(rng, prefix, self.stdout).run(people, units, requirements)
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {counts['units']} units, {counts['people']} people, {counts['requirements']} requirements, "
                f"{counts['assignments']} current assignments (+{counts['history']} earlier cycles) "
                f"in {time.monotonic() - started:.1f} s."
            )
        )


class Generator:
    def __init__(self, rng, prefix, stdout):
        self.rng, self.prefix, self.stdout = rng, prefix, stdout
        self.phase_started = time.monotonic()

    def phase(self, message):
        now = time.monotonic()
        self.stdout.write(f"  {message} ({now - self.phase_started:.1f} s)")
        self.phase_started = now

    def run(self, people, units, requirements):
        tree = self.units_create(units)
        self.phase(f"{len(tree)} units")
        user_rows = self.people_create(tree, people)
        self.phase(f"{len(user_rows)} people and their managers")
        requirement_rows = self.requirements_create(tree[0]["unit"], requirements)
        self.phase(f"{len(requirement_rows)} requirements")
        current, history = self.assignments_create(user_rows, requirement_rows, tree)
        self.phase(f"{current} current assignments, {history} earlier cycles")
        return {
            "units": len(tree),
            "people": len(user_rows),
            "requirements": len(requirement_rows),
            "assignments": current,
            "history": history,
        }

    # Units ----------------------------------------------------------------------------------------

    def units_create(self, total):
        """Nodes as dicts (name, kind, children); paths assigned in name order, as treebeard keeps them."""
        rng = self.rng
        budget = total - 1
        communes = max(1, min(budget, round(total * 0.05))) if budget else 0
        budget -= communes
        agencies = min(budget, max(1, total // 100)) if budget else 0
        budget -= agencies
        commune_divisions = min(budget, communes * 3) if agencies else budget
        budget -= commune_divisions
        agency_subunits = budget

        province = {"name": f"Tỉnh Mẫu {self.prefix}", "kind": OrganisationUnit.Kind.PROVINCE, "children": []}
        commune_nodes = []
        for number in range(communes):
            word = "Phường" if number % 4 == 0 else "Xã"
            node = {"name": f"{word} Mẫu {number + 1:03d}", "kind": OrganisationUnit.Kind.COMMUNE, "children": []}
            commune_nodes.append(node)
        for number in range(commune_divisions):
            commune = commune_nodes[number % communes]
            name = COMMUNE_DIVISIONS[len(commune["children"]) % len(COMMUNE_DIVISIONS)]
            if len(commune["children"]) >= len(COMMUNE_DIVISIONS):
                name = f"{name} {len(commune['children']) + 1}"
            commune["children"].append({"name": name, "kind": OrganisationUnit.Kind.DIVISION, "children": []})
        agency_nodes = []
        for number in range(agencies):
            name = AGENCIES[number % len(AGENCIES)]
            if number >= len(AGENCIES):
                name = f"{name} {number // len(AGENCIES) + 1}"
            agency_nodes.append({"name": name, "kind": OrganisationUnit.Kind.AGENCY, "children": []})
        # Agencies' own units: four in five directly under the agency, the rest one level lower.
        for number in range(agency_subunits):
            agency = agency_nodes[number % agencies]
            label = f"{AGENCY_SUBUNITS[number % len(AGENCY_SUBUNITS)]} {number + 1:04d}"
            node = {"name": label, "kind": OrganisationUnit.Kind.DIVISION, "children": []}
            if number % 5 == 4 and agency["children"]:
                rng.choice(agency["children"])["children"].append(node)
            else:
                agency["children"].append(node)
        province["children"] = commune_nodes + agency_nodes

        last_root = OrganisationUnit.get_last_root_node()
        root_step = (int(last_root.path[: OrganisationUnit.steplen], 36) + 1) if last_root else 1
        flat = []

        def place(node, path, depth, group):
            node["path"], node["depth"], node["group"] = path, depth, group
            children = sorted(node["children"], key=lambda child: child["name"])
            node["numchild"] = len(children)
            flat.append(node)
            for step, child in enumerate(children, start=1):
                place(child, OrganisationUnit._get_path(path, depth + 1, step), depth + 1, group or child["kind"])

        place(province, OrganisationUnit._get_path(None, 1, root_step), 1, None)
        objects = [
            OrganisationUnit(
                path=node["path"],
                depth=node["depth"],
                numchild=node["numchild"],
                name=node["name"],
                code=f"{self.prefix}" if index == 0 else f"{self.prefix}-{index:05d}",
                kind=node["kind"],
            )
            for index, node in enumerate(flat)
        ]
        OrganisationUnit.objects.bulk_create(objects, batch_size=BATCH)
        by_path = dict(OrganisationUnit.objects.filter(code__startswith=self.prefix).values_list("path", "pk"))
        for node in flat:
            node["pk"] = by_path[node["path"]]
        flat[0]["unit"] = OrganisationUnit.objects.get(path=flat[0]["path"])
        return flat

    # People ---------------------------------------------------------------------------------------

    def people_create(self, tree, total):
        """Civil servants per unit (communes ~80 with their divisions, the rest over the agencies)."""
        rng = self.rng
        province, nodes = tree[0], tree[1:]
        commune_units = [node for node in nodes if node["group"] == OrganisationUnit.Kind.COMMUNE]
        agency_units = [node for node in nodes if node["group"] == OrganisationUnit.Kind.AGENCY]
        weights = {province["pk"]: 30.0}
        communes = [node for node in commune_units if node["depth"] == 2]
        commune_people = min(total * 0.3, len(communes) * 80)
        for commune in communes:
            share = commune_people / max(1, len(communes)) * rng.uniform(0.7, 1.3)
            divisions = commune["children"]
            weights[commune["pk"]] = share * (0.4 if divisions else 1.0)
            for division in divisions:
                weights[division["pk"]] = share * 0.6 / len(divisions)
        rest = max(0.0, total - commune_people - 30)
        for node in agency_units:
            weights[node["pk"]] = rest / max(1, len(agency_units)) * rng.uniform(0.3, 1.7)
        unit_ids = list(weights)
        scale = total / sum(weights.values())
        counts = {unit_id: int(weights[unit_id] * scale) for unit_id in unit_ids}
        for unit_id in rng.sample(unit_ids, k=len(unit_ids)):  # hand out the rounding remainder
            if sum(counts.values()) >= total:
                break
            counts[unit_id] += 1
        while sum(counts.values()) > total:
            unit_id = max(counts, key=counts.get)
            counts[unit_id] -= 1

        password = make_password(None)  # unusable: generated people never sign in with a password
        now = timezone.now()
        started_base = datetime.date(2010, 1, 1)
        rows, batch, number = [], [], 0
        for unit_id in unit_ids:
            for _ in range(counts[unit_id]):
                number += 1
                code = f"{self.prefix}{number:07d}"
                full_name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
                batch.append(
                    User(
                        email=f"{code.lower()}@kynangso.invalid",
                        full_name=full_name,
                        kind=User.Kind.CIVIL_SERVANT,
                        organisation_unit_id=unit_id,
                        employee_code=code,
                        position=rng.choice(POSITIONS),
                        started_on=started_base + datetime.timedelta(days=rng.randrange(5000)),
                        password=password,
                        privacy_consent_at=now,
                        date_joined=now,
                    )
                )
                if len(batch) >= BATCH:
                    User.objects.bulk_create(batch)
                    batch = []
        if batch:
            User.objects.bulk_create(batch)
        rows = list(
            User.objects.filter(employee_code__startswith=self.prefix)
            .order_by("pk")
            .values_list("pk", "organisation_unit_id")
        )

        # Managers: the first person of each unit (two for the province and its direct units).
        depth_of = {node["pk"]: node["depth"] for node in tree}
        first = {}
        for user_id, unit_id in rows:
            first.setdefault(unit_id, []).append(user_id)
        Managers = OrganisationUnit.managers.through
        managers = []
        for unit_id, user_ids in first.items():
            wanted = 2 if depth_of[unit_id] <= 2 else 1
            managers += [Managers(organisationunit_id=unit_id, user_id=user_id) for user_id in user_ids[:wanted]]
        Managers.objects.bulk_create(managers, batch_size=BATCH)

        Membership = User.groups.through
        civil_servant = Group.objects.get(name=roles.CIVIL_SERVANT)
        unit_manager = Group.objects.get(name=roles.UNIT_MANAGER)
        memberships = [Membership(user_id=user_id, group_id=civil_servant.pk) for user_id, _unit in rows]
        memberships += [Membership(user_id=row.user_id, group_id=unit_manager.pk) for row in managers]
        Membership.objects.bulk_create(memberships, batch_size=BATCH, ignore_conflicts=True)
        return rows

    # Requirements ---------------------------------------------------------------------------------

    def course(self):
        course = CoursePage.objects.live().order_by("path").first()
        if course is not None:
            return course
        # The default site's root is the home page (a higher layer's model: not imported here).
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        if site is None:
            raise CommandError("No default site: run the migrations first.")
        home = site.root_page
        index = CourseIndexPage.objects.child_of(home).first()
        if index is None:
            index = CourseIndexPage(title="Khóa học", slug="khoa-hoc")
            home.add_child(instance=index)
            index.save_revision().publish()
        course = CoursePage(title="Kỹ năng số cơ bản", slug="ky-nang-so-co-ban", summary="Khóa học bắt buộc.")
        index.add_child(instance=course)
        course.save_revision().publish()
        return course

    def requirements_create(self, province, total):
        course = self.course()
        today = local_today()
        rows = []
        for number in range(total):
            name, offset, completed = REQUIREMENTS[number % len(REQUIREMENTS)]
            if number >= len(REQUIREMENTS):
                name = f"{name} ({number // len(REQUIREMENTS) + 1})"
            # bulk_create: no "requirement saved" hook, so no background assignment run.
            (requirement,) = TrainingRequirement.objects.bulk_create(
                [
                    TrainingRequirement(
                        name=f"{name} [{self.prefix}]",
                        course=course,
                        due_rule=TrainingRequirement.DueRule.FIXED,
                        due_on=today + datetime.timedelta(days=offset),
                        recertify_months=12 if number == 0 else None,
                    )
                ]
            )
            requirement.units.add(province)
            rows.append((requirement, offset, completed))
        return rows

    # Assignments ----------------------------------------------------------------------------------

    def assignments_create(self, user_rows, requirement_rows, tree):
        rng = self.rng
        today = local_today()
        now = timezone.now()
        tz = timezone.get_current_timezone()
        path_of = {node["pk"]: node["path"] for node in tree}
        # Some units are keener than others: the roll-up should not be uniform.
        keenness = {node["pk"]: rng.uniform(0.6, 1.25) for node in tree}

        def moment(day):
            return datetime.datetime.combine(day, datetime.time(8 + rng.randrange(10), rng.randrange(60)), tz)

        batch, current, history = [], 0, 0

        def flush():
            Assignment.objects.bulk_create(batch)
            batch.clear()

        for number, (requirement, _offset, completed_share) in enumerate(requirement_rows):
            base_due = requirement.due_on
            assigned_on = min(base_due - datetime.timedelta(days=90), today - datetime.timedelta(days=20))
            for user_id, unit_id in user_rows:
                unit_path = path_of[unit_id]
                due_on = base_due
                if rng.random() < 0.08:  # extended
                    due_on = base_due + datetime.timedelta(days=rng.randrange(7, 60))
                cycle = 1
                if number == 0 and rng.random() < 0.2:  # an earlier, completed cycle
                    first_done = assigned_on - datetime.timedelta(days=365 - rng.randrange(60))
                    batch.append(
                        Assignment(
                            requirement=requirement,
                            user_id=user_id,
                            cycle=1,
                            is_current=False,
                            unit_id=unit_id,
                            unit_path=unit_path,
                            assigned_at=moment(first_done - datetime.timedelta(days=60)),
                            due_on=first_done,
                            status=Assignment.Status.COMPLETED,
                            started_at=moment(first_done - datetime.timedelta(days=20)),
                            completed_at=moment(first_done - datetime.timedelta(days=5)),
                            expires_on=first_done + datetime.timedelta(days=365),
                        )
                    )
                    history += 1
                    cycle = 2
                roll = rng.random()
                status, started_at, completed_at = Assignment.Status.OPEN, None, None
                if roll < 0.01:
                    status = Assignment.Status.EXEMPT
                elif roll < 0.015:
                    status = Assignment.Status.CANCELLED
                elif rng.random() < min(0.98, completed_share * keenness[unit_id]):
                    status = Assignment.Status.COMPLETED
                    latest = min(today, due_on + datetime.timedelta(days=15))
                    span = max(1, (latest - assigned_on).days)
                    done_on = assigned_on + datetime.timedelta(days=rng.randrange(span))
                    started_at = moment(done_on - datetime.timedelta(days=rng.randrange(10)))
                    completed_at = max(started_at, moment(done_on))
                elif rng.random() < 0.5:
                    span = max(1, (min(today, due_on) - assigned_on).days)
                    started_at = moment(assigned_on + datetime.timedelta(days=rng.randrange(span)))
                batch.append(
                    Assignment(
                        requirement=requirement,
                        user_id=user_id,
                        cycle=cycle,
                        is_current=True,
                        unit_id=unit_id,
                        unit_path=unit_path,
                        assigned_at=min(now, moment(assigned_on)),
                        due_on=due_on,
                        status=status,
                        started_at=started_at,
                        completed_at=completed_at,
                    )
                )
                current += 1
                if len(batch) >= BATCH:
                    flush()
        if batch:
            flush()
        return current, history
