DROP TABLE ai_feature_usage;
DROP TABLE ai_settings;
