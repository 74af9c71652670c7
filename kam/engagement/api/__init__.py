"""The REST API of engagement: channels, activities, channel plans, recommendations."""
