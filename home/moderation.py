"""Content review: what happens when a workflow is approved (``WAGTAIL_FINISH_WORKFLOW_ACTION``).

The pages' workflow "Duyệt nội dung" (home 0003_content_review_workflow, on the root) is approved by
the communications leads, who hold no publish permission outside the campaign section: the approval
itself is their permission to publish what was submitted to them, and nothing else. Wagtail's default
action would ask for the approver's publish permission and refuse.
"""

from typing import Any

# Imported by wagtail.models itself (WorkflowState.on_finish) while it loads: no model imports here.

# Frozen in home/migrations/0003_content_review_workflow.py too.
CONTENT_WORKFLOW = "Duyệt nội dung"
CONTENT_TASK = "Trưởng nhóm truyền thông duyệt nội dung"


def workflow_state_publish(workflow_state: Any, user: Any = None) -> None:
    """Publish (or schedule, with a go-live date) the latest revision of what the workflow approved."""
    workflow_state.content_object.get_latest_revision().publish(user=user, skip_permission_checks=True)
