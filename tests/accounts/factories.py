"""People and units. ``UserFactory`` gives a person their role with a trait, by the groups of
``accounts.roles`` (and the insights' leader): ``UserFactory(training_admin=True)``, or
``UserFactory(role=name)`` for a role chosen by a test's parameters (``"superuser"`` included)."""

import factory
from django.contrib.auth.models import Group

from accounts import roles
from accounts.models import OrganisationUnit, User
from insights.roles import LEADER

PASSWORD = "a-strong-test-password"
SUPERUSER = "superuser"

# The traits and the group each one adds.
ROLE_TRAITS = {
    "civil_servant": roles.CIVIL_SERVANT,
    "officer": roles.COMMUNICATIONS_STAFF,
    "lead": roles.COMMUNICATIONS_LEAD,
    "training_admin": roles.TRAINING_ADMINISTRATOR,
    "unit_manager": roles.UNIT_MANAGER,
    "leader": LEADER,
    "helper": roles.HELPER,
}


class OrganisationUnitFactory(factory.django.DjangoModelFactory):
    """Pass ``parent=`` for a child unit; without it the unit is a root (a province)."""

    class Meta:
        model = OrganisationUnit

    name = factory.Sequence(lambda n: f"Xã Thử Nghiệm {n}")
    code = factory.Sequence(lambda n: f"U{n:05d}")
    kind = OrganisationUnit.Kind.COMMUNE

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        if parent is None:
            return model_class.add_root(**kwargs)
        parent.refresh_from_db()
        return parent.add_child(**kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    """A citizen by default. Traits: ``civil_servant`` (the kind and its group, as a roster import makes
        them), ``officer``, ``lead``, ``training_admin``, ``unit_manager``, ``leader``, ``helper`` (each adds its group;
        they combine) and ``superuser``; ``with_phone`` (a mobile number too) and ``phone_only`` (a mobile
    number, no e-mail address)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"nguoi{n}@example.vn")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    kind = User.Kind.CITIZEN

    class Params:
        civil_servant = factory.Trait(kind=User.Kind.CIVIL_SERVANT, role__civil_servant=True)
        officer = factory.Trait(role__officer=True)
        lead = factory.Trait(role__lead=True)
        training_admin = factory.Trait(role__training_admin=True)
        unit_manager = factory.Trait(role__unit_manager=True)
        leader = factory.Trait(role__leader=True)
        # A helper at a counter is a civil servant (courses.assisted needs a unit too: pass organisation_unit).
        helper = factory.Trait(kind=User.Kind.CIVIL_SERVANT, role__helper=True)
        superuser = factory.Trait(is_superuser=True)
        with_phone = factory.Trait(phone=factory.Sequence(lambda n: f"09{n % 100000000:08d}"))
        phone_only = factory.Trait(email=None, phone=factory.Sequence(lambda n: f"09{n % 100000000:08d}"))

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def role(self, create, extracted, **traits):
        """``role=``: a group's name, or ``"superuser"``; the traits add their groups."""
        names = [ROLE_TRAITS[trait] for trait, wanted in traits.items() if wanted]
        if extracted == SUPERUSER:
            self.is_superuser = True
            if create:
                self.save(update_fields=["is_superuser"])
        elif extracted:
            names.append(extracted)
        if names and create:
            groups = list(Group.objects.filter(name__in=names))
            assert len(groups) == len(set(names)), f"no such group among {names}"
            self.groups.add(*groups)
