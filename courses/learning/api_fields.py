"""The learning pages' fields in the content API (``api_fields``, docs/api.md)."""

from rest_framework import serializers

from core.api_fields import rendition_of


class PublicServiceField(serializers.Field):
    """The online public service a tutorial is about."""

    def to_representation(self, service):
        return {
            "id": service.pk,
            "name": service.name,
            "agency": service.agency,
            "online_level": service.online_level,
            "procedure_code": service.procedure_code,
            "official_url": service.official_url,
        }


class StepsField(serializers.Field):
    """A tutorial's steps, in order, from its body: title, text (HTML as the API's rich text format), tip,
    screenshot (a rendition)."""

    def to_representation(self, body):
        steps = []
        for block in body:
            if block.block_type != "step":
                continue
            value = block.value
            text_block = block.block.child_blocks["text"]
            steps.append(
                {
                    "title": value["title"],
                    "text": text_block.get_api_representation(value["text"], self.context),
                    "tip": value.get("tip") or "",
                    "screenshot": rendition_of(value.get("screenshot")),
                }
            )
        return steps
