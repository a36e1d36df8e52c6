use mobieus_api::server::{
    CreateLearnModuleHeaders, CreateLearnModulePath, DeleteLearnModuleHeaders, DeleteLearnModulePath, GetLearnModulePath,
    LearnModulesService, ListLearnModulesPath, ListLearnModulesQuery, ReorderLearnModulesHeaders, ReorderLearnModulesPath,
    UpdateLearnModuleHeaders, UpdateLearnModulePath,
};
use mobieus_api::support::{ApiError, Call};
use mobieus_api::types;
use serde_json::json;

use super::deleted;
use crate::api::Paging;
use crate::app::AppContext;
use crate::errors::store_error;
use crate::store::learn::modules::{module_create, module_delete, module_get, module_list, module_reorder, module_update, Module};

fn module_out(m: Module) -> types::Module {
    types::Module { id: m.id, course_id: m.course_id, title: m.title, position: m.position, created_at: m.created_at.0, updated_at: m.updated_at.0 }
}

fn envelope(m: Module) -> types::ModuleEnvelope {
    types::ModuleEnvelope { data: module_out(m), next_cursor: None, request_id: String::new() }
}

impl LearnModulesService for AppContext {
    async fn list_learn_modules(call: &Call<'_, Self>, path: ListLearnModulesPath, query: ListLearnModulesQuery) -> Result<types::ModuleList, ApiError> {
        let paging = Paging::new(call, "learn_modules", query.cursor.as_deref(), query.limit)?;
        let page = module_list(&call.context().db, call.principal.tenant_id, path.id, paging.ordered()?, paging.fetch())
            .await
            .map_err(store_error("course"))?;
        let (rows, next_cursor, has_more) = paging.finish(call, page.rows, |m| json!([m.position, m.id]));
        Ok(types::ModuleList { data: rows.into_iter().map(module_out).collect(), next_cursor, has_more, total_count: page.total, request_id: String::new() })
    }

    async fn create_learn_module(
        call: &Call<'_, Self>,
        path: CreateLearnModulePath,
        _headers: CreateLearnModuleHeaders,
        body: types::ModuleCreate,
    ) -> Result<types::ModuleEnvelope, ApiError> {
        let module = module_create(&call.context().db, call.principal.tenant_id, path.id, &String::from(body.title))
            .await
            .map_err(store_error("module"))?;
        Ok(envelope(module))
    }

    async fn reorder_learn_modules(
        call: &Call<'_, Self>,
        path: ReorderLearnModulesPath,
        _headers: ReorderLearnModulesHeaders,
        body: types::ReorderModules,
    ) -> Result<types::ModuleOrderEnvelope, ApiError> {
        let modules = module_reorder(&call.context().db, call.principal.tenant_id, path.id, &body.module_ids)
            .await
            .map_err(store_error("course"))?;
        Ok(types::ModuleOrderEnvelope { data: modules.into_iter().map(module_out).collect(), next_cursor: None, request_id: String::new() })
    }

    async fn get_learn_module(call: &Call<'_, Self>, path: GetLearnModulePath) -> Result<types::ModuleEnvelope, ApiError> {
        Ok(envelope(module_get(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("module"))?))
    }

    async fn update_learn_module(
        call: &Call<'_, Self>,
        path: UpdateLearnModulePath,
        _headers: UpdateLearnModuleHeaders,
        body: types::ModuleUpdate,
    ) -> Result<types::ModuleEnvelope, ApiError> {
        let db = &call.context().db;
        let module = match body.title.map(String::from) {
            None => module_get(db, call.principal.tenant_id, path.id).await,
            Some(title) => module_update(db, call.principal.tenant_id, path.id, Some(&title)).await,
        }
        .map_err(store_error("module"))?;
        Ok(envelope(module))
    }

    async fn delete_learn_module(call: &Call<'_, Self>, path: DeleteLearnModulePath, _headers: DeleteLearnModuleHeaders) -> Result<types::DeletedEnvelope, ApiError> {
        let module = module_delete(&call.context().db, call.principal.tenant_id, path.id).await.map_err(store_error("module"))?;
        Ok(deleted(module.id, "learn_module"))
    }
}
